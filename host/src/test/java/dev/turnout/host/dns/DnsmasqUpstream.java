package dev.turnout.host.dns;

import dev.turnout.host.dial.Transport;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's real upstream: one dnsmasq and the event loops that talk to it, for the whole class.
 * Register as a static {@code @RegisterExtension} field.
 */
final class DnsmasqUpstream implements BeforeAllCallback, AfterAllCallback {

    private final String threadName;
    private final String[] dnsmasqArgs;
    private Dnsmasq dnsmasq;
    private EventLoopGroup group;

    /**
     * @param threadName  names the event-loop threads, to tell the classes apart in a thread dump
     * @param dnsmasqArgs added to {@link Dnsmasq#start}'s command line
     */
    DnsmasqUpstream(String threadName, String... dnsmasqArgs) {
        this.threadName = threadName;
        this.dnsmasqArgs = dnsmasqArgs.clone();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dnsmasq = Dnsmasq.start(dnsmasqArgs);
        group = Transport.newGroup(2, threadName);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (group != null) {
                // Bounded: once a loop was seen stuck in a blocking recvmsg (see the issue 5 note).
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            }
        } finally {
            group = null;
            if (dnsmasq != null) {
                dnsmasq.close();
                dnsmasq = null;
            }
        }
    }

    /** Where dnsmasq answers, over UDP and TCP. */
    InetSocketAddress address() {
        return dnsmasq.address;
    }

    Dnsmasq dnsmasq() {
        return dnsmasq;
    }

    EventLoopGroup group() {
        return group;
    }
}
