import { TerraformStack } from 'cdktf';
import { IValidation } from 'constructs';
import { policyErrors, PolicyWaiver } from '../core/policies';

/**
 * Runs the policies when the app synthesizes (`cdktf synth`, tests with validations on).
 * A check across the whole stack, so it is a validation rather than a constructor check.
 */
export class PolicyValidation implements IValidation {
  constructor(private readonly stack: TerraformStack, private readonly waivers: readonly PolicyWaiver[]) {}

  public validate(): string[] {
    return policyErrors(this.stack.toTerraform(), this.waivers);
  }
}
