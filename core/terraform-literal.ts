/**
 * Terraform evaluates `${...}` and `%{...}` inside every string of a JSON configuration.
 * A setting that reached the plan with either would run as code when `cdktf deploy` plans:
 * read local files, copy a sensitive variable into a plain one. These are the rules by
 * which Terraform reads a string, written out so that the settings gate (settings-schema.ts)
 * and the tests agree with Terraform on what is literal.
 *
 * Terraform's template scanner, left to right: `$${` is a literal `${` and `%%{` a literal
 * `%{`; any other `${` or `%{` opens an interpolation or a directive; every other character
 * stands for itself (a `$` or `%` not before `{` included).
 */

/** The string Terraform reads from `text`, or undefined when `text` holds template code. */
export function terraformLiteralValue(text: string): string | undefined {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const two = text.slice(i, i + 2);
    const three = text.slice(i, i + 3);
    if (three === '$${' || three === '%%{') {
      out += three.slice(1);
      i += 3;
    } else if (two === '${' || two === '%{') {
      return undefined;
    } else {
      out += text[i];
      i += 1;
    }
  }
  return out;
}

/** True when Terraform would evaluate part of `text` instead of reading it literally. */
export function holdsTemplateCode(text: string): boolean {
  return terraformLiteralValue(text) === undefined;
}

/** `text` escaped so that Terraform reads exactly `text`. */
export function escapeForTerraform(text: string): string {
  return text.replace(/\$\{/g, '$$${').replace(/%\{/g, '%%{');
}

/** The template sequences Terraform would evaluate in `text` (`${...}`, `%{...}`), in order. */
export function templateSequences(text: string): string[] {
  const found: string[] = [];
  for (let i = 0; i < text.length; ) {
    const three = text.slice(i, i + 3);
    const two = text.slice(i, i + 2);
    if (three === '$${' || three === '%%{') {
      i += 3;
    } else if (two === '${' || two === '%{') {
      const end = text.indexOf('}', i);
      found.push(end === -1 ? text.slice(i) : text.slice(i, end + 1));
      i = end === -1 ? text.length : end + 1;
    } else {
      i += 1;
    }
  }
  return found;
}
