package dev.turnout.host.outbound;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import dev.turnout.api.RejectedException;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.Map;

/**
 * The {@code direct} type for host tests that need real connections without the plugins: what the direct plugin
 * does, every flow opened by the host's own dialer.
 */
public final class HostDirect {

    private HostDirect() {
    }

    /**
     * The built-in types an {@link OutboundFactory} needs: this {@code direct}, and a {@code reject} and a
     * {@code reject-drop} that refuse at once.
     */
    public static Map<String, OutboundType> types() {
        return Map.of("direct", type(), "reject", refusing("reject"), "reject-drop", refusing("reject-drop"));
    }

    private static OutboundType refusing(String typeName) {
        return new OutboundType() {
            public String type() {
                return typeName;
            }

            public Outbound create(OutboundOptions options, OutboundContext context) {
                return new Outbound() {
                    public String name() {
                        return options.name();
                    }

                    public String type() {
                        return typeName;
                    }

                    public boolean supportsUdp() {
                        return true;
                    }

                    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
                        return loop.newFailedFuture(new RejectedException("rejected"));
                    }

                    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop,
                                                                DatagramSession.Receiver r) {
                        return loop.newFailedFuture(new RejectedException("rejected"));
                    }
                };
            }
        };
    }

    public static OutboundType type() {
        return new OutboundType() {
            public String type() {
                return "direct";
            }

            public Outbound create(OutboundOptions options, OutboundContext context) {
                Dialer host = context.dialer();
                return new Outbound() {
                    public String name() {
                        return options.name();
                    }

                    public String type() {
                        return "direct";
                    }

                    public boolean supportsUdp() {
                        return true;
                    }

                    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
                        return host.openStream(flow, loop);
                    }

                    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop,
                                                                DatagramSession.Receiver r) {
                        return host.openDatagram(flow, loop, r);
                    }
                };
            }
        };
    }
}
