package dev.turnout.host.cli;

import dev.turnout.host.files.FileProblems;
import dev.turnout.host.files.StateFolder;
import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.controller.Controller;
import dev.turnout.host.controller.ControllerSlot;
import dev.turnout.host.controller.Restarter;
import dev.turnout.host.plugin.PluginHost;
import dev.turnout.host.runtime.InstanceClaims;
import dev.turnout.host.runtime.Logging;
import dev.turnout.host.runtime.Reloader;
import dev.turnout.host.runtime.Turnout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code turnout run}: start and serve until SIGINT or SIGTERM; SIGHUP reloads. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Version.class, description = "Run Turnout (the built-in default config unless -c is given).")
final class RunCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @Mixin
    ConfigOptions config;

    @Mixin
    PluginOptions plugins;

    @Option(names = "--pid-file", paramLabel = "FILE", description = "Where to write the pid, for `turnout reload`.")
    Path pidFile;

    /** Held from before anything opens until the process ends; static so nothing can collect it. */
    private static volatile InstanceLock instance;
    /** The config's folder, for the fake-IP cache and the groups' choices; given back with the instance lock. */
    private static volatile StateFolder state;

    @Override
    public Integer call() throws Exception {
        InstanceLock.Holder self = InstanceLock.Holder.self(config.file());
        Config initial;
        List<InstanceLock.Claim> claims;
        try {
            // Reading the config touches nothing; it says what this instance will claim.
            initial = config.load();
            claims = claims(initial, self);
        } catch (ConfigException e) {
            System.err.println("turnout: " + ConfigOptions.everyProblem(e, plugins).getMessage());
            return 2;
        }
        // Before the lock, so that a stop while this run takes it waits and gives back what it took.
        StopAnyTime stopping = StopAnyTime.install(() -> {
            if (state != null) {
                state.close();
            }
            if (instance != null) {
                instance.release();
            }
        });
        ReloadSignal hup = ReloadSignal.install();
        try {
            // Before anything opens: a second instance must not touch the ports, TUN or state file of the running one.
            try {
                instance = InstanceLock.acquire(Locations.lockDir(), Locations.networkNamespace(), claims, self);
                // The built-in default without -d keeps its state in memory: the folder it was started from (a
                // checkout, the user's home) is not Turnout's, and a lock file left there would be litter.
                state = config.hasHome()
                        && (Turnout.keepsState(initial) || Controller.askedFor(initial, config.overrides()))
                        ? StateFolder.claim(initial.baseDir(), "pid " + self.pid() + ", config " + self.config())
                        : StateFolder.unclaimed(initial.baseDir());
                stopping.preparing();
            } catch (InstanceLock.HeldElsewhere e) {
                System.err.println("turnout: " + e.getMessage());
                return 1;
            } catch (IOException e) {
                System.err.println("turnout: cannot take the instance lock in " + Locations.lockDir() + ": "
                        + FileProblems.why(e));
                return 1;
            }
            int code = serve(initial, stopping, hup);
            if (code != 0) {
                state.close();
                instance.release();
            }
            return code;
        } finally {
            stopping.settled();
        }
    }

    /**
     * A port a dashboard moves the proxy to, or a TUN it switches on, is this instance's, as the ports and the TUN it
     * started with are.
     */
    private static InstanceClaims instanceClaims() {
        return new InstanceClaims() {
            @Override
            public void claimPort(int port) throws IOException {
                claim(InstanceLock.Claim.port(port));
            }

            @Override
            public void giveBackPort(int port) {
                instance.giveBack(InstanceLock.Claim.port(port));
            }

            @Override
            public void claimTun() throws IOException {
                claim(InstanceLock.Claim.TUN);
            }

            @Override
            public void giveBackTun() {
                instance.giveBack(InstanceLock.Claim.TUN);
            }

            private void claim(InstanceLock.Claim claim) throws IOException {
                try {
                    instance.claim(claim);
                } catch (InstanceLock.HeldElsewhere e) {
                    throw new IOException(e.getMessage(), e);
                }
            }
        };
    }

    /**
     * What only one Turnout in a network namespace may have: its config, the TUN when enabled (the routes are
     * the namespace's), and its ports. Two instances on other configs and ports may share a namespace.
     */
    private static List<InstanceLock.Claim> claims(Config config, InstanceLock.Holder self) {
        List<InstanceLock.Claim> claims = new ArrayList<>();
        if (tunClaimed(config)) {
            claims.add(InstanceLock.Claim.TUN);
        }
        new TreeSet<>(config.listenPorts().values()).forEach(p -> claims.add(InstanceLock.Claim.port(p)));
        claims.add(InstanceLock.Claim.config(self.config()));
        return claims;
    }

    /**
     * Whether the run would open the TUN. A {@code tun:} section that does not validate counts as a claim: the
     * start then refuses the config with every problem listed (not only this one), and claiming too much can
     * only refuse a run that would have failed anyway.
     */
    private static boolean tunClaimed(Config config) {
        try {
            return Turnout.tunEnabled(config);
        } catch (ConfigException e) {
            return true;
        }
    }

    private int serve(Config initial, StopAnyTime stopping, ReloadSignal hup) throws Exception {
        Logging.apply(initial.logLevel());
        initial.warnings().forEach(w -> log.warn("{}", w));
        PluginHost host = PluginHost.load(plugins.folder());
        host.plugins().forEach(p -> log.info("plugin {} {} provides {}", p.id(), p.version(), p.outboundTypes()));
        Turnout turnout;
        try {
            turnout = Turnout.prepare(initial, host, state);
            turnout.claimWith(instanceClaims());
            if (!stopping.opening()) {
                turnout.close(); // a stop came while it prepared: it has ended the run, nothing may open now
                host.close();
                return 0;
            }
            turnout.open();
        } catch (ConfigException e) {
            System.err.println("turnout: " + e.getMessage());
            host.close();
            return 2;
        } catch (Exception e) {
            // Turnout's own refusals say what failed in their message; anything else keeps its class.
            boolean said = (e instanceof IllegalStateException || e instanceof java.io.IOException) && e.getMessage() != null;
            System.err.println("turnout: cannot start: " + (said ? e.getMessage() : e.toString()));
            host.close();
            return 1;
        }
        Path pid = pidFile != null ? pidFile : Locations.defaultPidFile();
        writePid(pid);
        Reloader reloader = new Reloader(turnout, config::load);
        ControllerSlot controller;
        try {
            controller = ControllerSlot.start(turnout, reloader, config.overrides());
            turnout.controlledBy(controller);
        } catch (IllegalArgumentException e) {
            System.err.println("turnout: " + e.getMessage());
            reloader.close();
            turnout.close();
            host.close();
            deleteQuietly(pid);
            return 2;
        }
        if (hup.unavailable() != null) {
            log.warn("{}", hup.unavailable());
        }
        hup.ready(reloader);
        AtomicBoolean down = new AtomicBoolean();
        Runnable stop = () -> {
            if (!down.compareAndSet(false, true)) {
                return; // a restart stopped everything already
            }
            log.info("stopping");
            controller.close();
            reloader.close();
            turnout.close();
            host.close();
            deleteQuietly(pid);
            state.close(); // after the last writes of the state it guards
            instance.release(); // last: until everything above is closed, a second instance must still be refused
        };
        controller.restartWith(restarter(stop));
        stopping.running(stop);
        log.info("Turnout {} running on {}", Version.current(), initial.displayName());
        stopping.awaitStop();
        return 0;
    }

    /**
     * {@code POST /restart} as mihomo does it: everything stops (ports, TUN routes, lock files), then the process
     * executes itself again with the same command line, so a changed config, listeners and controller included, is
     * read from the start. Not a reload: nothing of this run is kept but the pid.
     */
    private static Restarter restarter(Runnable stop) {
        return new Restarter() {
            @Override
            public String unavailableReason() {
                return SelfExec.unavailableReason();
            }

            @Override
            public void restart() {
                List<String> argv;
                try {
                    argv = SelfExec.commandLine();
                } catch (IOException e) {
                    log.error("cannot restart: {}", e.getMessage());
                    return;
                }
                stop.run();
                log.info("restarting: {}", argv);
                Logging.awaitWritten();
                String why = SelfExec.exec(argv);
                log.error("restart failed ({}); exiting", why);
                System.exit(1);
            }
        };
    }

    private static void writePid(Path pid) {
        try {
            Files.createDirectories(pid.toAbsolutePath().getParent());
            // Made anew, never written through a link another user may have left at the name (a shared folder).
            if (Files.isSymbolicLink(pid)) {
                Files.delete(pid);
            }
            Path tmp = pid.resolveSibling(pid.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.writeString(tmp, ProcessHandle.current().pid() + "\n", java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Files.move(tmp, pid, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("cannot write pid file {}: {}", pid, FileProblems.why(e, pid));
        }
    }

    private static void deleteQuietly(Path pid) {
        try {
            // Only our own: another instance may have taken the file over since.
            if (Files.exists(pid) && Files.readString(pid).trim().equals(Long.toString(ProcessHandle.current().pid()))) {
                Files.delete(pid);
            }
        } catch (IOException e) {
            // nothing left to do at shutdown
        }
    }
}
