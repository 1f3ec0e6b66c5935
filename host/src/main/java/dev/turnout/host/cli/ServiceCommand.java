package dev.turnout.host.cli;

import dev.turnout.host.platform.Platform;
import dev.turnout.host.platform.SystemCommand;
import dev.turnout.host.service.ServiceFiles;
import dev.turnout.host.service.ServiceLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code turnout service install|uninstall}: a systemd unit (Linux: Turnout's own user, only the capabilities TUN
 * mode needs) or a LaunchDaemon (macOS), written under {@code --root} ({@code /} by default).
 */
@Command(name = "service", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Install or remove Turnout as a system service (systemd unit, macOS LaunchDaemon).",
        subcommands = {ServiceCommand.Install.class, ServiceCommand.Uninstall.class})
final class ServiceCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        System.err.println("turnout service: say install or uninstall (see turnout service --help)");
        return 2;
    }

    /** Options both take. */
    static class Where {
        @Option(names = "--root", paramLabel = "DIR", defaultValue = "/",
                description = "Write under DIR instead of / (a scratch copy: no user is created, no service manager told).")
        Path root;

        @Option(names = "--os", paramLabel = "OS", description = "linux or macos (default: this system's).")
        String os;

        ServiceFiles files() {
            String name = os != null ? os : Platform.current().name();
            return new ServiceFiles(name, root, SystemCommand.SYSTEM);
        }
    }

    @Command(name = "install", mixinStandardHelpOptions = true, versionProvider = Version.class, description = "Write the service definition.")
    static final class Install extends Where implements Callable<Integer> {

        @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "/etc/turnout/config.yaml",
                description = "The config the service runs (default: ${DEFAULT-VALUE}).")
        Path config;

        @Option(names = "--home", paramLabel = "DIR",
                description = "The installed Turnout (holding bin/turnout); default: this one.")
        Path home;

        @Option(names = "--user", paramLabel = "NAME", defaultValue = "turnout",
                description = "The user the Linux service runs as (default: ${DEFAULT-VALUE}).")
        String user;

        @Override
        public Integer call() {
            try {
                String here = System.getProperty("turnout.home");
                Path dir = home != null ? home : here != null ? Path.of(here) : null;
                if (dir == null) {
                    System.err.println("turnout service install: say --home DIR (where bin/turnout is)");
                    return 2;
                }
                ServiceLayout layout = new ServiceLayout(dir.toAbsolutePath().normalize(),
                        config.toAbsolutePath().normalize(), user);
                files().install(layout, System.out);
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("turnout service install: " + e.getMessage());
                return 2;
            } catch (IOException e) {
                System.err.println("turnout service install failed: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "uninstall", mixinStandardHelpOptions = true, versionProvider = Version.class, description = "Stop and remove the service.")
    static final class Uninstall extends Where implements Callable<Integer> {
        @Override
        public Integer call() {
            try {
                files().uninstall(System.out);
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("turnout service uninstall: " + e.getMessage());
                return 2;
            } catch (IOException e) {
                System.err.println("turnout service uninstall failed: " + e.getMessage());
                return 1;
            }
        }
    }
}
