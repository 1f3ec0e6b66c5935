package dev.turnout.host.platform.macos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.channel.unix.UnixChannel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * IP_BOUND_IF through the channel's option call, on Linux: a stand-in for a kqueue channel (a native-transport
 * channel with a descriptor) that records the options it is given, with the descriptor's family and the
 * interface's index answered by the test instead of getsockname and if_nametoindex.
 */
class BoundIfOnChannelTest {

    /** What a kqueue channel's config would pass to setsockopt: level, option name, value. */
    record Call(String name, int level, int optname, int value) {
    }

    /** A channel with a descriptor, like KQueueSocketChannel, whose config records (or refuses) options. */
    static final class FakeNativeChannel extends EmbeddedChannel implements UnixChannel {
        final List<Call> calls = new ArrayList<>();
        final int fd;
        final Boolean accept; // null: throw as a failing setsockopt would
        private final ChannelConfig config = new DefaultChannelConfig(this) {
            @Override
            public <T> boolean setOption(ChannelOption<T> option, T value) {
                if (accept == null) {
                    throw new IllegalStateException("setsockopt failed: EINVAL");
                }
                if (option instanceof IntegerUnixChannelOption o) {
                    calls.add(new Call(o.name(), o.level(), o.optname(), (Integer) value));
                }
                return accept;
            }
        };

        FakeNativeChannel(int fd, Boolean accept) {
            this.fd = fd;
            this.accept = accept;
        }

        @Override
        public ChannelConfig config() {
            return config;
        }

        @Override
        public FileDescriptor fd() {
            return new FileDescriptor(fd);
        }
    }

    private static void bind(Channel c, String ifName) throws IOException {
        // fd 6 is an IPv6 socket, fd 4 an IPv4 one; en0 has index 4, utun3 index 17
        MacPlatform.bind(c, ifName, fd -> fd == 6, name -> switch (name) {
            case "en0" -> 4;
            case "utun3" -> 17;
            default -> throw new IOException("no interface named " + name);
        });
    }

    @Test
    void anIpv6SocketGetsIpv6BoundIfWithTheInterfaceIndex() throws IOException {
        FakeNativeChannel c = new FakeNativeChannel(6, true);
        bind(c, "en0");
        assertEquals(List.of(new Call("IPV6_BOUND_IF", 41, 125, 4)), c.calls);
    }

    @Test
    void anIpv4SocketGetsIpBoundIf() throws IOException {
        FakeNativeChannel c = new FakeNativeChannel(4, true);
        bind(c, "en0");
        assertEquals(List.of(new Call("IP_BOUND_IF", 0, 25, 4)), c.calls);
    }

    @Test
    void everyFailureIsAnIOExceptionSoTheConnectFails() {
        assertThrows(IOException.class, () -> bind(new FakeNativeChannel(4, false), "en0"), "option not taken");
        IOException e = assertThrows(IOException.class, () -> bind(new FakeNativeChannel(4, null), "en0"));
        assertTrue(e.getMessage().contains("IP_BOUND_IF en0 failed"), e.getMessage());
        assertThrows(IOException.class, () -> bind(new FakeNativeChannel(4, true), "en9"), "no such interface");
        IOException nio = assertThrows(IOException.class, () -> bind(new EmbeddedChannel(), "en0"));
        assertTrue(nio.getMessage().contains("kqueue"), nio.getMessage());
    }
}
