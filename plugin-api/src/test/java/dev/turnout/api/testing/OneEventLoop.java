package dev.turnout.api.testing;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one NIO event loop a test class opens its outbounds on, as the host hands each flow one loop:
 * started before the class's tests and shut down after them. Register as a static
 * {@code @RegisterExtension} field.
 */
public final class OneEventLoop implements BeforeAllCallback, AfterAllCallback {

    private EventLoopGroup group;
    private EventLoop loop;

    @Override
    public void beforeAll(ExtensionContext context) {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        loop = group.next();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            group = null;
            loop = null;
        }
    }

    public EventLoop get() {
        return loop;
    }
}
