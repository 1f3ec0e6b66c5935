package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.SocksAddress;
import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.Steps;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.SocketTimeoutException;

/**
 * A Shadowsocks server as an outbound. A stream is a connection to the server (inside simple-obfs's disguise or
 * v2ray-plugin's WebSocket when the entry has a {@code plugin}) with the cipher's codec left in its pipeline and the
 * destination's address sent at once as the first chunk (so a destination that speaks first is reached without
 * waiting for the application); a datagram session is a UDP socket to the server's port.
 */
final class ShadowsocksOutbound implements Outbound {

    private final String name;
    private final ShadowsocksOptions options;
    private final OutboundContext context;
    private final String label;

    ShadowsocksOutbound(String name, ShadowsocksOptions options, OutboundContext context) {
        this.name = name;
        this.options = options;
        this.context = context;
        this.label = "ss '" + name + "' via " + options.server();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "ss";
    }

    @Override
    public boolean supportsUdp() {
        return options.udp();
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        Destination target = flow.destination();
        int addressLength = SocksAddress.encodedLength(target);
        if (addressLength < 0) {
            return loop.newFailedFuture(new IOException("ss cannot carry the name of " + target + " (over 255 bytes)"));
        }
        Future<Channel> dial = context.dialer().openStream(Metadata.internal(Network.TCP, options.server()), loop);
        Future<Channel> carried = options.plugin() instanceof V2rayPluginOptions v2ray ? v2rayPlugin(dial, v2ray, loop)
                : dial;
        Future<Channel> ready = Steps.then(loop, carried, channel -> {
            if (options.plugin() instanceof ObfsOptions obfs && obfs.tls()) {
                channel.pipeline().addLast("obfs-decoder", new ObfsTlsDecoder(label));
                channel.pipeline().addLast("obfs-encoder", new ObfsTlsEncoder(obfs.host()));
            } else if (options.plugin() instanceof ObfsOptions obfs) {
                channel.pipeline().addLast("obfs-decoder", new ObfsHttpDecoder(label));
                channel.pipeline().addLast("obfs-encoder", new ObfsHttpEncoder(obfs.host(), options.server().port()));
            } else if (options.plugin() instanceof V2rayPluginOptions v2ray && v2ray.mux()) {
                channel.pipeline().addLast("mux-decoder", new MuxCoolDecoder(label));
                channel.pipeline().addLast("mux-encoder", new MuxCoolEncoder());
            }
            channel.pipeline().addLast("ss-decoder", options.method().decoder(options.masterKey(), label));
            channel.pipeline().addLast("ss-encoder", options.method().encoder(options.masterKey()));
            ByteBuf address = channel.alloc().buffer(addressLength);
            SocksAddress.write(target, address);
            channel.writeAndFlush(address).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            // After the address: the deadline runs from the application's first bytes, not from the connection.
            channel.pipeline().addLast("ss-first-reply", new FirstReplyDeadline(options.timeoutMillis(), label));
            return loop.newSucceededFuture(channel);
        });
        return Steps.within(loop, ready, options.timeoutMillis(), () -> new SocketTimeoutException(label
                + ": could not connect within " + options.timeoutMillis() + " ms"));
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        if (!options.udp()) {
            return loop.newFailedFuture(new IOException("UDP is not enabled for ss outbound '" + name + "' (set udp: true)"));
        }
        return ShadowsocksDatagramSession.open(options, context.dialer(), loop, receiver);
    }

    /** v2ray-plugin: TLS when asked, then the WebSocket upgrade, with the host as mihomo sends it. */
    private Future<Channel> v2rayPlugin(Future<Channel> dial, V2rayPluginOptions v2ray, EventLoop loop) {
        Future<Channel> secured = v2ray.tls() ? Steps.then(loop, dial, ch -> context.tls(ch, v2ray.tlsOptions())) : dial;
        return Steps.then(loop, secured, ch -> context.webSocket(ch, v2ray.webSocket(), v2ray.host()));
    }

    @Override
    public String toString() {
        return label;
    }
}
