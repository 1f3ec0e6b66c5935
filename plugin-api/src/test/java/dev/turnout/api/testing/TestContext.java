package dev.turnout.api.testing;

import dev.turnout.api.Dialer;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.Resolver;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** What the host would hand an outbound, made of test parts: the given dialer and the JDK's resolver. */
public record TestContext(Dialer dialer) implements OutboundContext {

    @Override
    public Resolver resolver() {
        return (host, loop) -> {
            try {
                return loop.newSucceededFuture(InetAddress.getByName(host));
            } catch (UnknownHostException e) {
                return loop.newFailedFuture(e);
            }
        };
    }
}
