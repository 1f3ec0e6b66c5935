package dev.turnout.host.route;

import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.platform.SocketOwner;
import dev.turnout.host.platform.SocketOwners;
import java.io.IOException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the process behind a flow for PROCESS-NAME, PROCESS-PATH and UID rules, as mihomo's
 * {@code find-process-mode} says: {@code strict} (mihomo's default) only when the rules need it, {@code always}
 * for every flow, {@code off} never. A lookup asks the kernel and walks {@code /proc}; nothing is kept here,
 * since a port another process reuses would inherit the answer: the HTTP proxy keeps what the first request of a
 * connection found for the next ones.
 */
public final class ProcessLookup {

    /** mihomo's modes, spelled as in its config. */
    public enum Mode {
        ALWAYS, STRICT, OFF;

        public static Mode parse(String value) {
            return valueOf(value.toUpperCase(Locale.ROOT));
        }
    }

    /** Never looks. */
    public static final ProcessLookup OFF = new ProcessLookup(null, Mode.OFF);

    private static final Logger log = LoggerFactory.getLogger(ProcessLookup.class);

    private final SocketOwners owners;
    /** mihomo's {@code find-process-mode}; a reload may change it. */
    private volatile Mode mode;
    private volatile boolean unsupportedReported;

    public ProcessLookup(SocketOwners owners, Mode mode) {
        this.owners = owners;
        this.mode = mode;
    }

    public Mode mode() {
        return mode;
    }

    /** Looks as {@code next} says from the next flow on (a reload changed {@code find-process-mode}). */
    public void useMode(Mode next) {
        if (this == OFF) {
            throw new IllegalStateException("the shared OFF lookup never changes");
        }
        this.mode = next;
    }

    /** Whether a flow under rules that {@code needProcess} gets looked up at all. */
    boolean mayLook(boolean needProcess) {
        return mode == Mode.ALWAYS || (mode == Mode.STRICT && needProcess);
    }

    boolean always() {
        return mode == Mode.ALWAYS;
    }

    /**
     * {@code flow} with its owning process, or {@code flow} itself when it has none to find (no source, an
     * internal flow) or the lookup finds nothing. May block for a netlink round trip and a walk of /proc.
     */
    public Metadata resolve(Metadata flow) {
        if (mode == Mode.OFF || flow.source() == null || flow.processName() != null || flow.uid() >= 0) {
            return flow;
        }
        boolean udp = flow.network() == Network.UDP;
        SocketOwner o = find(udp, flow);
        return o == null ? flow : flow.withProcess(o.name(), o.path(), o.uid());
    }

    private SocketOwner find(boolean udp, Metadata flow) {
        // The application's socket is connected to the inbound's port (mixed) or, through the TUN, to the
        // destination's port as the application wrote it (a fake address's port is the real one).
        int remotePort = flow.inboundPort() > 0 ? flow.inboundPort() : flow.destination().port();
        try {
            SocketOwner o = owners.find(udp, flow.source(), remotePort);
            if (o == null && log.isDebugEnabled()) {
                log.debug("no socket found for {} {}", udp ? "udp" : "tcp", flow.source());
            }
            return o;
        } catch (UnsupportedOperationException e) {
            if (!unsupportedReported) {
                unsupportedReported = true;
                log.warn("{}", e.getMessage());
            }
            return null;
        } catch (IOException | RuntimeException e) {
            log.debug("process lookup for {} failed: {}", flow.source(), e.toString());
            return null;
        }
    }
}
