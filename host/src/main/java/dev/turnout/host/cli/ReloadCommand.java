package dev.turnout.host.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code turnout reload}: sends SIGHUP to a Turnout running in this network namespace. It signals only a
 * process proven to be one: a live holder of an {@link InstanceLock} here, running Turnout's main class on the
 * config the lock names. A pid file alone proves nothing (the pid may belong to another program by now), so
 * the one {@code --pid-file} names must be such a holder.
 */
@Command(name = "reload", mixinStandardHelpOptions = true, versionProvider = Version.class, description = "Ask the running Turnout to reload its config (SIGHUP).")
final class ReloadCommand implements Callable<Integer> {

    @Option(names = "--pid-file", paramLabel = "FILE", description = "The running instance's pid file "
            + "(needed only when several Turnouts run in this network namespace).")
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
        String notSignalling = "turnout: not signalling" + (named != null ? " pid " + named + " from " + pidFile : "") + ": ";
        List<InstanceLock.Holder> running = InstanceLock.running(Locations.lockDir(), Locations.networkNamespace());
        if (running.isEmpty()) {
            System.err.println(notSignalling + "no Turnout runs in this network namespace (none holds a lock in "
                    + Locations.lockDir() + ")");
            return 1;
        }
        InstanceLock.Holder target;
        if (named != null) {
            long pid = named;
            target = running.stream().filter(h -> h.pid() == pid).findFirst().orElse(null);
            if (target == null) {
                System.err.println(notSignalling + "it is not the Turnout running in this network namespace ("
                        + describe(running) + ")");
                return 1;
            }
        } else if (running.size() > 1) {
            System.err.println(notSignalling + "several Turnouts run in this network namespace (" + describe(running)
                    + "); name one with --pid-file");
            return 1;
        } else {
            target = running.get(0);
        }
        String why = TurnoutProcess.whyNot(target);
        if (why != null) {
            System.err.println(notSignalling + why);
            return 1;
        }
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(target.pid())).inheritIO().start();
        int code = kill.waitFor();
        if (code == 0) {
            System.out.println("asked pid " + target.pid() + " to reload");
        }
        return code;
    }

    private static String describe(List<InstanceLock.Holder> running) {
        return running.stream().map(InstanceLock.Holder::toString).collect(Collectors.joining("; "));
    }
}
