package dev.turnout.host.cli;

import dev.turnout.host.config.ConfigException;
import dev.turnout.host.platform.RouteCleanup;
import dev.turnout.host.platform.RouteRemoval;
import dev.turnout.host.runtime.Turnout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code turnout cleanup}: after a crash (or {@code kill -9}), removes exactly the routes the TUN mode had
 * installed, from the state file it kept: the one {@code --state-file} names, else the config's
 * {@code tun.state-file}, else the default. Harmless when there is nothing to clean; refuses while a Turnout
 * runs in this network namespace, since the routes are then that instance's own. Also removes the killed run's pid
 * file, once no process holds its pid.
 */
@Command(name = "cleanup", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Remove the routes a crashed TUN-mode Turnout left behind (from its state file).")
final class CleanupCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--state-file", paramLabel = "FILE",
            description = "Route state file (default: the config's tun.state-file, else /run/turnout/routes-net-<inode>.state as root, one per network namespace).")
    Path stateFile;

    @Option(names = "--pid-file", paramLabel = "FILE",
            description = "The crashed run's pid file, removed when its pid is not running (default: the one `turnout run` writes without --pid-file).")
    Path pidFile;

    @Override
    public Integer call() {
        Path file;
        try {
            file = stateFile != null ? stateFile
                    : config.file != null ? Turnout.routeStateFile(config.load()) : RouteCleanup.defaultStateFile();
        } catch (ConfigException e) {
            System.err.println("turnout: " + e.getMessage());
            return 2;
        }
        try {
            Optional<InstanceLock.Holder> running = InstanceLock.holder(Locations.lockDir(), Locations.networkNamespace(),
                    InstanceLock.Claim.TUN);
            if (running.isPresent()) {
                System.err.println("turnout: not cleaning " + file + ": a TUN-mode Turnout is running in this network namespace ("
                        + running.get() + ") and its routes are its own; stop it, and it removes them itself");
                return 1;
            }
            if (!Files.exists(file) && file.equals(RouteCleanup.defaultStateFile())) {
                Path earlier = RouteCleanup.earlierDefaultStateFile();
                if (Files.exists(earlier)) {
                    System.out.println("no record at " + file + "; cleaning the one an earlier Turnout kept at "
                            + earlier);
                    file = earlier;
                }
            }
            Optional<RouteRemoval> done = RouteCleanup.cleanup(file);
            StalePidFile.removeIfDead(pidFile != null ? pidFile : Locations.defaultPidFile())
                    .ifPresent(pid -> System.out.println(pid.said()));
            if (done.isEmpty()) {
                System.out.println("nothing to clean: no state file at " + file);
                return 0;
            }
            RouteRemoval r = done.get();
            r.dnsRestored().forEach(line -> System.out.println("dns: " + line));
            r.removed().forEach(route -> System.out.println("removed " + route));
            r.alreadyGone().forEach(route -> System.out.println("already gone " + route));
            System.out.println("removed " + r.removed().size() + " route(s), " + r.alreadyGone().size()
                    + " already gone, recorded in " + file);
            return 0;
        } catch (IOException e) {
            System.err.println("turnout: cleanup failed: " + e.getMessage());
            return 1;
        }
    }
}
