package dev.turnout.faulty;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.OptionException;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import org.pf4j.Extension;
import org.pf4j.Plugin;

/**
 * A plugin with the bugs a third party's could have, one per {@code fault}: it builds nothing, an outbound of another
 * name, throws an error for a class its jar lacks, or does not return from create (10 minutes); or its dial returns no future, throws an error (a class its jar lacks), recurses without end,
 * blocks its event loop for 8 s, or delivers a connection on another event loop than asked.
 * Any other fault dials through the host as a good plugin would.
 */
public class FaultyPlugin extends Plugin {

    @Extension
    public static final class FaultyType implements OutboundType {
        @Override
        public String type() {
            return "faulty";
        }

        @Override
        public Outbound create(OutboundOptions options, OutboundContext context) throws OptionException {
            String fault = options.requireString("fault");
            if (fault.equals("builds-nothing")) {
                return null;
            }
            if (fault.equals("missing-class-at-build")) {
                throw new NoClassDefFoundError("com/example/LibraryNotShipped");
            }
            if (fault.equals("never-built")) {
                try {
                    Thread.sleep(600_000); // as good as never, for a test
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new Faulty(fault.equals("another-name") ? "someone-else" : options.name(), fault, context.dialer());
        }
    }

    static final class Faulty implements Outbound {
        private final String name;
        private final String fault;
        private final Dialer dialer;

        Faulty(String name, String fault, Dialer dialer) {
            this.name = name;
            this.fault = fault;
            this.dialer = dialer;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String type() {
            return "faulty";
        }

        @Override
        public boolean supportsUdp() {
            return false;
        }

        @Override
        public Future<Channel> openStream(Metadata flow, EventLoop loop) {
            switch (fault) {
                case "no-future":
                    return null;
                case "missing-class":
                    throw new NoClassDefFoundError("com/example/LibraryNotShipped");
                case "endless-recursion":
                    return openStream(flow, loop);
                case "blocks-dial":
                    try {
                        Thread.sleep(8_000); // on the event loop, as a plugin's blocking connect would
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return dialer.openStream(flow, loop);
                case "other-loop":
                    for (EventExecutor e : loop.parent()) {
                        if (e != loop) {
                            return dialer.openStream(flow, (EventLoop) e);
                        }
                    }
                    throw new IllegalStateException("one loop only");
                default:
                    return dialer.openStream(flow, loop);
            }
        }

        @Override
        public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
            return loop.newFailedFuture(new UnsupportedOperationException("no UDP"));
        }
    }
}
