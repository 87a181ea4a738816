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
