package dev.turnout.example;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.OptionException;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import org.pf4j.Extension;
import org.pf4j.Plugin;

/**
 * Turnout's example plugin: an outbound type {@code pinned} that sends every stream to one fixed
 * {@code server:port}, whatever the application asked for (a sinkhole, or a captive test server). It shows
 * the whole contract: an extension, options with errors that name their key, and the host's dialer.
 */
public class PinnedPlugin extends Plugin {

    @Extension
    public static final class PinnedType implements OutboundType {
        @Override
        public String type() {
            return "pinned";
        }

        @Override
        public Outbound create(OutboundOptions options, OutboundContext context) throws OptionException {
            Destination target = Destination.ofHost(options.requireString("server"), options.requirePort("port"));
            return new Pinned(options.name(), target, context.dialer());
        }
    }

    static final class Pinned implements Outbound {
        private final String name;
        private final Destination target;
        private final Dialer dialer;

        Pinned(String name, Destination target, Dialer dialer) {
            this.name = name;
            this.target = target;
            this.dialer = dialer;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String type() {
            return "pinned";
        }

        @Override
        public boolean supportsUdp() {
            return false;
        }

        @Override
        public Future<Channel> openStream(Metadata flow, EventLoop loop) {
            return dialer.openStream(Metadata.internal(Network.TCP, target), loop);
        }

        @Override
        public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
            return loop.newFailedFuture(new UnsupportedOperationException("pinned carries no UDP"));
        }
    }
}
