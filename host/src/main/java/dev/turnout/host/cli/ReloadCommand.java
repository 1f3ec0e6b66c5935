package dev.turnout.host.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code turnout reload}: sends SIGHUP to the running instance named by its pid file. */
@Command(name = "reload", mixinStandardHelpOptions = true, description = "Ask the running Turnout to reload its config (SIGHUP).")
final class ReloadCommand implements Callable<Integer> {

    @Option(names = "--pid-file", paramLabel = "FILE", description = "The running instance's pid file.")
    Path pidFile;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path file = pidFile != null ? pidFile : Locations.defaultPidFile();
        if (!Files.exists(file)) {
            System.err.println("turnout: no pid file at " + file + "; is Turnout running?");
            return 1;
        }
        long pid = Long.parseLong(Files.readString(file).trim());
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            System.err.println("turnout: pid " + pid + " from " + file + " is not running");
            return 1;
        }
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(pid)).inheritIO().start();
        int code = kill.waitFor();
        if (code == 0) {
            System.out.println("asked pid " + pid + " to reload");
        }
        return code;
    }
}
