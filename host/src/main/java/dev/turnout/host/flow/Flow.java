package dev.turnout.host.flow;

import dev.turnout.api.Metadata;
import dev.turnout.host.dns.EnhancedMode;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * One open flow as the flow table records it: what it is, why it goes where it goes, how much it has moved.
 * Byte counters are written by the flow's event loop and read by anyone.
 *
 * <p>The counters and the closed mark are fields changed through {@link VarHandle}s rather than a {@code LongAdder}
 * or an {@code AtomicBoolean} each: those are three more objects per flow (72 bytes more than the fields), and a
 * flow table holding 10,000 idle flows pays for every one (bench/idle-flows.sh). Writes are atomic all the same:
 * a UDP session's upload can be counted from more than one thread.
 */
public final class Flow {

    private static final VarHandle UPLOAD;
    private static final VarHandle DOWNLOAD;
    private static final VarHandle CLOSED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            UPLOAD = lookup.findVarHandle(Flow.class, "upload", long.class);
            DOWNLOAD = lookup.findVarHandle(Flow.class, "download", long.class);
            CLOSED = lookup.findVarHandle(Flow.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long id;
    private final Metadata metadata;
    private final String rule;
    /**
     * From the outbound that carries the flow back to what the rule named, as the groups chose when it was dialled
     * (mihomo's tracker fixes {@code Chains()} then): one list shared by every flow that took the same path
     * ({@link FlowTable}), in place of the two names that stood here, so a flow costs no more than it did.
     */
    private final List<String> chain;
    private final long startMillis;
    /** Fits the object's padding: a flow is no larger with it (10,000 idle flows, bench/idle-flows.sh). */
    private final EnhancedMode dnsMode;
    /** The name the sniffer found, or null (mihomo's {@code sniffHost}); also fits the padding, with dnsMode. */
    private final String sniffHost;
    private volatile long upload;
    private volatile long download;
    private volatile boolean closed;
    private volatile Runnable closer = () -> { };

    Flow(long id, Metadata metadata, String rule, List<String> chain, long startMillis, EnhancedMode dnsMode,
            String sniffHost) {
        this.dnsMode = dnsMode;
        this.sniffHost = sniffHost;
        this.id = id;
        this.metadata = metadata;
        this.rule = rule;
        this.chain = chain;
        this.startMillis = startMillis;
    }

    public long id() {
        return id;
    }

    public Metadata metadata() {
        return metadata;
    }

    /** The matched rule as written, e.g. {@code DOMAIN-SUFFIX,example.com}. */
    public String rule() {
        return rule;
    }

    /** What the rule named: an outbound or a group. */
    public String target() {
        return chain.get(chain.size() - 1);
    }

    /** The outbound that carries the flow, at the end of any groups. */
    public String outbound() {
        return chain.get(0);
    }

    /**
     * The outbound that carries the flow, the groups that led to it and what the rule named, in Clash's order
     * ({@code [node, inner, outer]}), as chosen when the flow was dialled; immutable.
     */
    public List<String> chain() {
        return chain;
    }

    /**
     * How the destination's name came (mihomo's {@code metadata.dnsMode}): from a fake address, from the DNS
     * server's answer for the address (redir-host), or neither (normal).
     */
    public EnhancedMode dnsMode() {
        return dnsMode;
    }

    /** The name the sniffer found in the flow's first bytes, or {@code null}. */
    public String sniffHost() {
        return sniffHost;
    }

    public long startMillis() {
        return startMillis;
    }

    public long uploadBytes() {
        return upload;
    }

    public long downloadBytes() {
        return download;
    }

    public void countUpload(int bytes) {
        UPLOAD.getAndAdd(this, (long) bytes);
    }

    public void countDownload(int bytes) {
        DOWNLOAD.getAndAdd(this, (long) bytes);
    }

    /** What closing the flow from outside (the controller, shutdown) does. */
    public void onClose(Runnable action) {
        this.closer = action;
    }

    public boolean isClosed() {
        return closed;
    }

    boolean markClosed() {
        return CLOSED.compareAndSet(this, false, true);
    }

    void runCloser() {
        closer.run();
    }
}
