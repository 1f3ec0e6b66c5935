package dev.turnout.host.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code turnout reload}: sends SIGHUP to the Turnout running in this network namespace. It signals only a
 * process proven to be that Turnout: the holder of the namespace's {@link InstanceLock}, running Turnout's
 * main class on the config the lock names. A pid file alone proves nothing (the pid may belong to another
 * program by now), so one given with {@code --pid-file} must name that same process.
 */
@Command(name = "reload", mixinStandardHelpOptions = true, description = "Ask the running Turnout to reload its config (SIGHUP).")
final class ReloadCommand implements Callable<Integer> {

    @Option(names = "--pid-file", paramLabel = "FILE",
            description = "The running instance's pid file; it must name the Turnout running in this network namespace.")
    Path pidFile;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Long named = null;
        if (pidFile != null) {
            if (!Files.exists(pidFile)) {
                System.err.println("turnout: no pid file at " + pidFile + "; is Turnout running?");
                return 1;
            }
            try {
                named = Long.parseLong(Files.readString(pidFile).trim());
            } catch (NumberFormatException e) {
                System.err.println("turnout: " + pidFile + " holds no pid");
                return 1;
            }
        }
        Path lockFile = Locations.instanceLock();
        Optional<InstanceLock.Holder> running = InstanceLock.holder(lockFile);
        if (running.isEmpty()) {
            System.err.println("turnout: not signalling" + (named != null ? " pid " + named + " from " + pidFile : "")
                    + ": no Turnout runs in this network namespace (nothing holds " + lockFile + ")");
            return 1;
        }
        InstanceLock.Holder holder = running.get();
        if (named != null && named != holder.pid()) {
            System.err.println("turnout: not signalling pid " + named + " from " + pidFile + ": it is not the Turnout "
                    + "running in this network namespace (" + holder + ")");
            return 1;
        }
        String why = TurnoutProcess.whyNot(holder);
        if (why != null) {
            System.err.println("turnout: not signalling: " + why);
            return 1;
        }
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(holder.pid())).inheritIO().start();
        int code = kill.waitFor();
        if (code == 0) {
            System.out.println("asked pid " + holder.pid() + " to reload");
        }
        return code;
    }
}
