package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import dev.turnout.api.Resolver;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * What a plugin opens through the dialer the host gave it and never closes is closed with its outbound (retired by a
 * reload once its flows ended, or at stop): a plugin's side connections, one per flow, outlived every reload.
 */
class TrackedDialerTest {

    /** The host's sockets, as far as a plugin sees them: each dial gives a new open channel, or waits. */
    private static final class HostSockets implements Dialer {
        final List<EmbeddedChannel> opened = new ArrayList<>();
        final List<Promise<Channel>> waiting = new ArrayList<>();
        boolean wait;

        public Future<Channel> openStream(Metadata flow, EventLoop loop) {
            if (wait) {
                Promise<Channel> p = ImmediateEventExecutor.INSTANCE.newPromise();
                waiting.add(p);
                return p;
            }
            EmbeddedChannel c = new EmbeddedChannel();
            opened.add(c);
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(c);
        }

        public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver r) {
            return ImmediateEventExecutor.INSTANCE.newFailedFuture(new java.io.IOException("no UDP here"));
        }
    }

    /** Builds {@code name: leaky} and hands back the dialer its plugin was given. */
    private static Outbound leaky(HostSockets sockets, AtomicReference<Dialer> given) throws Exception {
        OutboundType leaky = new OutboundType() {
            public String type() {
                return "leaky";
            }

            public Outbound create(OutboundOptions options, OutboundContext context) {
                given.set(context.dialer());
                return new GroupKeysTest.Fake(options.name(), "leaky", context.dialer(), false);
            }
        };
        Map<String, OutboundType> types = new HashMap<>();
        for (String t : List.of("direct", "reject", "reject-drop")) {
            types.put(t, new OutboundType() {
                public String type() {
                    return t;
                }

                public Outbound create(OutboundOptions options, OutboundContext context) {
                    return new GroupKeysTest.Fake(options.name(), t, context.dialer(), false);
                }
            });
        }
        types.put("leaky", leaky);
        Outbounds all = new OutboundFactory(types, sockets, (Resolver) null).build(GroupKeysTest.parse(
                "proxies:\n  - {name: l, type: leaky}\n"));
        return all.get("l");
    }

    @Test
    void connectionsAPluginOpenedThroughItsDialerAndLeftOpenAreClosedWithItsOutbound() throws Exception {
        HostSockets sockets = new HostSockets();
        AtomicReference<Dialer> given = new AtomicReference<>();
        Outbound l = leaky(sockets, given);
        Channel flows = given.get().openStream(null, null).getNow();
        Channel side = given.get().openStream(null, null).getNow();
        flows.close(); // the flow's own connection, closed when the flow ended
        sockets.wait = true;
        given.get().openStream(null, null); // connects only after the outbound was closed
        assertEquals(3, sockets.opened.size() + sockets.waiting.size());
        assertTrue(side.isOpen());

        l.close();
        assertFalse(side.isOpen(), "the side connection the plugin never closed is closed with its outbound");
        EmbeddedChannel late = new EmbeddedChannel();
        sockets.waiting.get(0).setSuccess(late);
        assertFalse(late.isOpen(), "one that connects after its outbound was closed is closed as it does");
    }

    @Test
    void whatThePluginClosedItselfIsForgotten() throws Exception {
        HostSockets sockets = new HostSockets();
        AtomicReference<Dialer> given = new AtomicReference<>();
        leaky(sockets, given);
        TrackedDialer tracked = (TrackedDialer) given.get();
        for (int i = 0; i < 100; i++) {
            given.get().openStream(null, null).getNow().close();
        }
        assertEquals(0, tracked.open(), "a closed connection is not held on to");
    }
}
