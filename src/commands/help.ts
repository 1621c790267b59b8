import { Args, Command, loadHelpClass } from '@oclif/core';

export default class HelpCommand extends Command {
  static override summary = 'Show help for tickpipe or for one command (the same as --help or -h).';

  static override description =
    'With no COMMAND, the list of commands; with one, its usage, flags, examples and the URLs of its documentation. An unknown COMMAND is a usage error (exit 2) with the closest command name.';

  static override examples = [
    { description: 'Every command', command: '<%= config.bin %> <%= command.id %>' },
    { description: "backtest's flags and examples", command: '<%= config.bin %> <%= command.id %> backtest' },
  ];

  static override args = {
    // ignoreStdin: oclif would otherwise read a piped standard input as the COMMAND.
    command: Args.string({ description: 'The command to describe.', required: false, ignoreStdin: true }),
  };

  static override strict = false;

  override async run(): Promise<void> {
    const { argv } = await this.parse(HelpCommand);
    const Help = await loadHelpClass(this.config);
    const help = new Help(this.config, this.config.pjson.oclif.helpOptions ?? {});
    await help.showHelp(argv as string[]);
  }
}
