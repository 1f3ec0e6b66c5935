package dev.turnout.host.dial;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/** What the resolvers that keep some of another's addresses ({@link Ipv6Gate}, {@link IpVersion}) do alike. */
final class Answers {

    private Answers() {
    }

    /** The first address of {@code all}, which {@code Resolver.resolveAll} never completes empty. */
    static Future<InetAddress> first(Future<List<InetAddress>> all, EventLoop loop) {
        Promise<InetAddress> first = loop.newPromise();
        all.addListener(f -> {
            if (f.isSuccess()) {
                first.trySuccess((InetAddress) ((List<?>) f.getNow()).get(0));
            } else {
                first.tryFailure(f.cause());
            }
        });
        return first;
    }

    /**
     * {@code all} as {@code keep} leaves it; when it leaves nothing, failed with an {@link UnknownHostException}
     * saying {@code whyNone} of the addresses there were.
     */
    static Future<List<InetAddress>> kept(Future<List<InetAddress>> all, EventLoop loop,
                                          UnaryOperator<List<InetAddress>> keep,
                                          Function<List<InetAddress>, String> whyNone) {
        Promise<List<InetAddress>> kept = loop.newPromise();
        all.addListener(f -> {
            if (!f.isSuccess()) {
                kept.tryFailure(f.cause());
                return;
            }
            @SuppressWarnings("unchecked")
            List<InetAddress> answered = (List<InetAddress>) f.getNow();
            List<InetAddress> left = keep.apply(answered);
            if (left.isEmpty()) {
                kept.tryFailure(new UnknownHostException(whyNone.apply(answered)));
            } else {
                kept.trySuccess(left);
            }
        });
        return kept;
    }
}
