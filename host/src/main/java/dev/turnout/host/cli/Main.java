package dev.turnout.host.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code turnout}: the command line. Each subcommand is a small class of its own. */
@Command(name = "turnout", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "A rule-based proxy: Clash configs, a TUN mode, outbounds as plugins.",
        subcommands = {RunCommand.class, CheckCommand.class, MatchCommand.class, PluginsCommand.class,
                ReloadCommand.class, CleanupCommand.class, CommandLine.HelpCommand.class})
public final class Main implements java.util.concurrent.Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code; what tests call. */
    public static int execute(String... args) {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public Integer call() {
        // `turnout` alone: run on the built-in default, as the README promises.
        return spec.commandLine().getSubcommands().get("run").execute();
    }
}
