package dev.turnout.host.inbound;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * The warnings of one port about clients it does not serve (a connection the firewall did not redirect, a datagram
 * to the port itself): the first at once, then at most one a minute, with the count. A client trying again and again
 * must not fill the log.
 */
public final class Refusals {

    private static final long QUIET_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final String port;
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong lastSaid = new AtomicLong();

    /** @param port how the port is named in the warnings (its listener's name) */
    public Refusals(String port) {
        this.port = port;
    }

    /** Counts one refusal of {@code client}, and says why when it is the first or the last line is a minute old. */
    public void refused(Logger log, InetSocketAddress client, String why) {
        long n = count.incrementAndGet();
        long now = System.nanoTime();
        long last = lastSaid.get();
        if ((n == 1 || now - last >= QUIET_NANOS) && lastSaid.compareAndSet(last, now)) {
            log.warn("{} from {} not served: {} ({} refused so far)", port, client, why, n);
        }
    }
}
