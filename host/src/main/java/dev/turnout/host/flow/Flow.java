package dev.turnout.host.flow;

import dev.turnout.api.Metadata;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * One open flow as the flow table records it: what it is, why it goes where it goes, how much it has moved.
 * Byte counters are written by the flow's event loop and read by anyone.
 */
public final class Flow {

    private final long id;
    private final Metadata metadata;
    private final String rule;
    private final String target;
    private final String outbound;
    private final long startMillis;
    private final LongAdder upload = new LongAdder();
    private final LongAdder download = new LongAdder();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Runnable closer = () -> { };

    Flow(long id, Metadata metadata, String rule, String target, String outbound, long startMillis) {
        this.id = id;
        this.metadata = metadata;
        this.rule = rule;
        this.target = target;
        this.outbound = outbound;
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
        return target;
    }

    /** The outbound that carries the flow, at the end of any groups. */
    public String outbound() {
        return outbound;
    }

    public long startMillis() {
        return startMillis;
    }

    public long uploadBytes() {
        return upload.sum();
    }

    public long downloadBytes() {
        return download.sum();
    }

    public void countUpload(int bytes) {
        upload.add(bytes);
    }

    public void countDownload(int bytes) {
        download.add(bytes);
    }

    /** What closing the flow from outside (the controller, shutdown) does. */
    public void onClose(Runnable action) {
        this.closer = action;
    }

    public boolean isClosed() {
        return closed.get();
    }

    boolean markClosed() {
        return closed.compareAndSet(false, true);
    }

    void runCloser() {
        closer.run();
    }
}
