package dev.turnout.host.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Undoes what a TUN inbound installed, from its state file: the entry point of {@code turnout cleanup}
 * and of the shutdown path.
 */
public final class RouteCleanup {

    private RouteCleanup() {
    }

    /**
     * Removes the routes recorded in {@code stateFile} and then the file.
     *
     * @return which recorded routes this call removed and which were already gone, or empty when there was
     *     no state file (nothing to do)
     * @throws IOException when the file is unreadable, was written by another platform, or a route could not
     *     be removed (the file is then kept so a later run can retry)
     */
    public static Optional<RouteRemoval> cleanup(Path stateFile) throws IOException {
        if (!Files.exists(stateFile)) {
            return Optional.empty();
        }
        RouteState state = RouteState.load(stateFile);
        Platform platform = Platform.current();
        if (!platform.name().equals(state.platform())) {
            throw new IOException(stateFile + " was written on " + state.platform() + ", this is " + platform.name());
        }
        List<String> dns = platform.restoreSystemDns(state);
        if (!state.dns().isEmpty()) {
            // DNS settings undone: a failure removing a route below must not undo them a second time.
            state = state.withoutDns();
            state.save();
        }
        RouteRemoval removal = platform.removeRoutes(state);
        if (state.found() != null) {
            // A persistent device a killed Turnout held: as it was before that run, not as the crash left it.
            state.withoutRoutes().save();
            platform.giveBack(state.device(), state.found());
            dns = new java.util.ArrayList<>(dns);
            dns.add("tun " + state.device() + " given back as it was before Turnout (" + state.found() + ")");
        }
        Files.deleteIfExists(stateFile);
        return Optional.of(removal.withDns(dns));
    }

    /**
     * Undoes a route install that failed part way: removes the routes {@code state} records so far (with
     * {@code platform}), then its file. A problem doing so is added to {@code installFailure} as suppressed,
     * so the cause of the failed install stays in front; the caller rethrows it.
     */
    public static void afterFailedInstall(Platform platform, RouteState state, Exception installFailure) {
        try {
            platform.restoreSystemDns(state);
        } catch (IOException suppressed) {
            installFailure.addSuppressed(suppressed);
        }
        try {
            platform.removeRoutes(state);
            Files.deleteIfExists(state.file());
        } catch (IOException suppressed) {
            installFailure.addSuppressed(suppressed);
        }
    }

    /**
     * Where the state file goes when the config names none: {@code /run/turnout/routes-net-<inode>.state} for root
     * ({@link NetworkNamespace#fileName}), {@code $XDG_RUNTIME_DIR/turnout/} otherwise, else the temp directory.
     * Named for the network namespace: instances in two namespaces keep their routes apart, and
     * {@code turnout cleanup} in one never undoes the other's.
     */
    public static Path defaultStateFile() {
        return defaultStateFile(true);
    }

    /**
     * The default record as versions before it was named for the namespace kept it ({@code routes.state}), which
     * {@code turnout cleanup} still reads: after an upgrade, what a crashed earlier version left would otherwise stay.
     */
    public static Path earlierDefaultStateFile() {
        return defaultStateFile(false);
    }

    private static Path defaultStateFile(boolean perNamespace) {
        java.util.function.UnaryOperator<String> named = perNamespace ? NetworkNamespace::fileName : base -> base;
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if ("root".equals(System.getProperty("user.name"))) {
            return Path.of("/run", "turnout", named.apply("routes.state"));
        }
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "turnout", named.apply("routes.state"));
        }
        return Path.of(System.getProperty("java.io.tmpdir"), named.apply("turnout-routes.state"));
    }
}
