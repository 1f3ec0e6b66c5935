package dev.turnout.host.cli;

import dev.turnout.host.platform.RouteCleanup;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code turnout cleanup}: after a crash (or {@code kill -9}), removes exactly the routes the TUN mode had
 * installed, from the state file it kept. Harmless when there is nothing to clean.
 */
@Command(name = "cleanup", mixinStandardHelpOptions = true,
        description = "Remove the routes a crashed TUN-mode Turnout left behind (from its state file).")
final class CleanupCommand implements Callable<Integer> {

    @Option(names = "--state-file", paramLabel = "FILE", description = "Route state file (default: ${DEFAULT-VALUE}).")
    Path stateFile = RouteCleanup.defaultStateFile();

    @Override
    public Integer call() {
        try {
            int removed = RouteCleanup.cleanup(stateFile);
            if (removed < 0) {
                System.out.println("nothing to clean: no state file at " + stateFile);
            } else {
                System.out.println("removed " + removed + " route(s) recorded in " + stateFile);
            }
            return 0;
        } catch (IOException e) {
            System.err.println("turnout: cleanup failed: " + e.getMessage());
            return 1;
        }
    }
}
