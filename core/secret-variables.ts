/**
 * The stack's secrets, each a sensitive Terraform variable that users set as
 * TF_VAR_<name> in the shell that runs cdktf: never in the settings file, the plan or an
 * image. The stack declares the ones its settings need; the settings' errors list them all.
 */
export const SECRET_VARIABLES = {
  mysqlRootPassword: 'mysql_root_password',
  mysqlPassword: 'mysql_password',
  smtpPassword: 'smtp_password',
  acmeEabHmacKey: 'acme_eab_hmac_key',
  resticPassword: 'restic_password',
  backupS3AccessKeyId: 'backup_s3_access_key_id',
  backupS3SecretAccessKey: 'backup_s3_secret_access_key',
  backupSftpPrivateKey: 'backup_sftp_private_key',
} as const;

/** The variables as users set them: TF_VAR_mysql_root_password, ... */
export const SECRET_ENVIRONMENT_NAMES: readonly string[] = Object.values(SECRET_VARIABLES).map((name) => `TF_VAR_${name}`);
