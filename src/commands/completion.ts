import { Args, Command } from '@oclif/core';
import { colourFor } from '../cli/colour.js';
import { completionScript, SHELLS, type Shell } from '../cli/completion.js';
import type { Manifest } from '../cli/manifest.js';
import { BUILTIN_STRATEGIES } from '../core/backtest/strategies.js';

export default class Completion extends Command {
  static override summary = 'Print a shell completion script for bash, zsh or fish.';

  static override description =
    "Completes command names, each command's flags, the values of flags that have a fixed list (and the built-in strategy names for backtest --strategy), and file names. The script is generated from the same command definitions as --help, so it matches the installed version.";

  static override examples = [
    { description: 'bash, for this shell', command: 'source <(<%= config.bin %> <%= command.id %> bash)' },
    {
      description: 'zsh, installed on $fpath',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
      command: '<%= config.bin %> <%= command.id %> zsh > "${fpath[1]}/_tickpipe"',
    },
    {
      description: 'fish',
      command: '<%= config.bin %> <%= command.id %> fish > ~/.config/fish/completions/tickpipe.fish',
    },
  ];

  static override args = {
    // ignoreStdin: oclif would otherwise read a piped standard input as the SHELL.
    shell: Args.string({
      description: 'The shell.',
      options: [...SHELLS],
      required: true,
      ignoreStdin: true,
    }),
  };

  /** A refused argument: tickpipe's usage-error line and exit 2, as every command gives. */
  override async catch(error: Error & { oclif?: { exit?: number } }): Promise<void> {
    if (error.oclif?.exit === undefined) throw error;
    this.parsed = true; // it did parse, and refused: no "did not parse its arguments" warning
    const message = error.message.replace(/\n+See more help with --help\s*$/, '');
    process.stderr.write(
      `tickpipe completion: ${colourFor(process.stderr).red('error:')} ${message}\nSee: tickpipe completion --help\n`,
    );
    process.exitCode = 2;
  }

  override async run(): Promise<void> {
    const { args } = await this.parse(Completion);
    const commands = Object.fromEntries(this.config.commands.map((c) => [c.id, c]));
    const topics = Object.fromEntries(
      this.config.topics.map((t) => [t.name, { description: t.description }]),
    );
    const extra = { backtest: { strategy: BUILTIN_STRATEGIES.map((s) => s.name) } };
    process.stdout.write(
      completionScript(args.shell as Shell, { commands, topics } as unknown as Manifest, extra),
    );
  }
}
