package dev.turnout.host.tunnel;

import dev.turnout.host.flow.Flow;
import dev.turnout.host.relay.FlowTimeouts;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;

/**
 * One request the tunnel has decided, logged and recorded, for an inbound that forwards requests itself (the
 * HTTP proxy's plain requests: one flow per request, each to its own outbound). The inbound opens the outbound
 * or reuses one it already holds for the same destination and outbound, and ends the request when done.
 */
public interface RoutedRequest {

    /** The flow table's record: count bytes on it; {@link Flow#onClose} says how to close it from outside. */
    Flow flow();

    /** The outbound the rules chose, after groups. */
    String outbound();

    /** Opens a new stream through {@link #outbound()} on the inbound's event loop. */
    Future<Channel> open();

    /** How long a flow may stay idle (both directions open, or one ended) before the tunnel would close it. */
    FlowTimeouts timeouts();

    /** The request is done (or failed): takes it out of the flow table. Runs once, however often called. */
    void end();
}
