package dev.turnout.host.cli;

import dev.turnout.host.runtime.Logging;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code turnout}: the command line. Each subcommand is a small class of its own; without one, Turnout takes
 * the flags Clash users type ({@code -d DIR}, {@code -f FILE}, {@code -t}, {@code -v}, {@code -ext-ctl},
 * {@code -ext-ui}, {@code -secret}) and runs, or with {@code -t} checks and exits.
 */
@Command(name = "turnout", versionProvider = Version.class,
        description = "A rule-based proxy: Clash configs, a TUN mode, outbounds as plugins.",
        subcommands = {RunCommand.class, CheckCommand.class, MatchCommand.class, PluginsCommand.class,
                ReloadCommand.class, CleanupCommand.class, ServiceCommand.class, CommandLine.HelpCommand.class})
public final class Main implements java.util.concurrent.Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Mixin
    PluginOptions plugins;

    @Option(names = "-t", description = "Test the config as `check` does and exit: 0 when it would run, 1 when not.")
    boolean test;

    @Option(names = "--pid-file", paramLabel = "FILE", description = "Where to write the pid, for `turnout reload`.")
    java.nio.file.Path pidFile;

    // Not mixinStandardHelpOptions: Clash's -v joins -V and --version on the one version option.
    @Option(names = {"-V", "-v", "--version"}, versionHelp = true, description = "Print version information and exit.")
    boolean version;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    public static void main(String[] args) {
        applyNettyDefaults();
        int status = args.length == 0 || args.length == 1 && args[0].equals("run") ? plainRun() : execute(args);
        Logging.awaitWritten();
        System.exit(status);
    }

    /**
     * Netty settings Turnout needs other than Netty's own defaults; each only where the JVM's command line set none
     * ({@code -Dname=value} in TURNOUT_JAVA_OPTS wins). Called before any Netty class reads them.
     */
    static void applyNettyDefaults() {
        // Netty 4.2 sets up JFR events for its allocator unless told not to: about 100 jdk.jfr classes at every
        // start for events nobody records.
        defaultProperty("io.netty.jfr.enabled", "false");
        // Netty's adaptive allocator takes a heap of 512 MiB or less (the launcher's -Xmx512m) for a small machine and
        // then pools no buffer over 16,896 bytes: every bulk read of a relay (up to 1 MiB, see Relay) was a fresh
        // malloc, zero-filled by the JDK, freed after its write. That zero-filling was 11% of the lanes' CPU in a TUN
        // download (async-profiler). Pooled, four TUN -> DIRECT download streams moved 2-24% more in six alternated
        // bench/tun.sh pairs, single streams about the same; the pool keeps its chunks (RSS after bulk ~20 MB more).
        defaultProperty("io.netty.allocator.lowMemory", "false");
        // Netty's channel ids carry a machine id it takes from a network interface's hardware address; where there is
        // none (a container, a network namespace with only loopback) it logs a warning at every start and uses random
        // bytes. Turnout never compares channel ids across machines: random bytes from the start, without the scan
        // of the interfaces or the warning.
        byte[] machineId = new byte[8];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(machineId);
        defaultProperty("io.netty.machineId", java.util.HexFormat.ofDelimiter(":").formatHex(machineId));
    }

    private static void defaultProperty(String name, String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }

    /**
     * {@code turnout} and {@code turnout run} with nothing more: what a service and most users type, run without
     * picocli. Its 174 classes are Java 5 class files, which the class-data archive cannot hold, so every start
     * would parse them and build the whole command tree by reflection just to find no option. As picocli would,
     * an exception out of the command is printed and exits 1.
     */
    static int plainRun() {
        RunCommand run = new RunCommand();
        run.config = new ConfigOptions();
        run.plugins = new PluginOptions();
        try {
            return run.call();
        } catch (Exception e) {
            e.printStackTrace();
            return 1;
        }
    }

    /** Runs a command line and returns its exit code; what tests call. */
    public static int execute(String... args) {
        CommandLine line = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        line.setExecutionStrategy(parsed -> {
            handDown(parsed);
            return new CommandLine.RunLast().execute(parsed);
        });
        return line.execute(args);
    }

    /**
     * Options written before a command ({@code turnout -d DIR run}, as the usage line shows them) are the command's,
     * unless it was given its own; picocli would otherwise leave them on a command that does not run. One the
     * command does not take is refused rather than dropped.
     */
    private static void handDown(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult runs = parsed;
        while (runs.subcommand() != null) {
            runs = runs.subcommand();
        }
        for (CommandLine.ParseResult above = parsed; above != runs; above = above.subcommand()) {
            for (CommandLine.Model.OptionSpec given : above.matchedOptions()) {
                if (given.usageHelp() || given.versionHelp()) {
                    continue; // picocli answers these before any command runs
                }
                CommandLine.Model.OptionSpec there = runs.commandSpec().findOption(given.longestName());
                if (there == null) {
                    throw new CommandLine.ParameterException(runs.commandSpec().commandLine(),
                            String.join("/", given.names()) + " does not apply to '"
                                    + runs.commandSpec().qualifiedName() + "'");
                }
                if (!runs.hasMatchedOption(there)) {
                    there.setValue(given.getValue());
                }
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        if (test) {
            // Clash's -t exits 1 on a bad config; check's own code for that is 2.
            CheckCommand check = new CheckCommand();
            check.config = config;
            check.plugins = plugins;
            return check.call() == 0 ? 0 : 1;
        }
        RunCommand run = new RunCommand();
        run.config = config;
        run.plugins = plugins;
        run.pidFile = pidFile;
        return run.call();
    }
}
