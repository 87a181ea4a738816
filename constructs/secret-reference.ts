import { Token } from 'cdktf';
import { SettingError } from '../core/validation';

/**
 * Secrets must reach a construct as Terraform references (a sensitive variable), never as
 * literals: a literal would be written into cdktf.out and every snapshot.
 */
export function requireSecretReference(what: string, value: string): void {
  if (!Token.isUnresolved(value)) {
    throw new SettingError(
      what,
      '(a literal secret, not shown)',
      'secrets may only be given as a sensitive Terraform variable (TF_VAR_...), never as a literal value',
    );
  }
}

/**
 * A secret that the settings make necessary (an S3 repository needs its keys): missing, it is
 * named with the variable that holds it; given, it must be a reference.
 */
export function requireNeededSecret(what: string, value: string | undefined, neededBy: string, variable: string): void {
  if (value === undefined) {
    throw new SettingError(what, undefined, `${neededBy} needs it, as the sensitive Terraform variable TF_VAR_${variable}`);
  }
  requireSecretReference(what, value);
}
