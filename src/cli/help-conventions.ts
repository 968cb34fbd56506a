/**
 * @module
 * What every `dyi` command's help and usage errors share, applied once to the whole command
 * tree (commands built in their own files do not inherit settings from `dyi` itself):
 * required options start with "(required)", every default reads "(default: X)", and a usage
 * error ends in a CommanderError for `main` to turn into exit code 2 instead of commander's 1.
 */
import { type Command, Help, type Option } from 'commander';

/** Applies the conventions to `command` and every command under it. */
export function applyHelpConventions(command: Command): void {
  command
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ optionDescription: describeOption });
  for (const option of command.options) {
    // Commander writes a default given in code as JSON ("10000"); our texts write it bare.
    if (typeof option.defaultValue === 'string' && option.defaultValueDescription === undefined) {
      option.defaultValueDescription = option.defaultValue;
    }
  }
  for (const sub of command.commands) applyHelpConventions(sub);
}

function describeOption(option: Option): string {
  const text = Help.prototype.optionDescription.call(new Help(), option);
  return option.mandatory ? `(required) ${text}` : text;
}
