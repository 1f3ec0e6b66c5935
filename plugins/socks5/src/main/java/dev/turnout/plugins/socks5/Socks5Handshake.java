package dev.turnout.plugins.socks5;

import dev.turnout.api.SocksAddress;
import dev.turnout.api.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/**
 * The client side of a SOCKS5 handshake on a connected channel: method selection, optional
 * username/password (RFC 1929), then one request (CONNECT or UDP ASSOCIATE).
 *
 * <p>Reads are requested one at a time, so nothing beyond the reply is taken from the socket; bytes that
 * came in the same segment as the reply are left in a {@link PendingBytes}. When the reply says success,
 * the handler leaves the pipeline and completes {@code result} with the server's bound address; on any
 * failure it fails {@code result} and closes the channel.
 */
final class Socks5Handshake extends ChannelInboundHandlerAdapter {

    static final byte CONNECT = 0x01;
    static final byte UDP_ASSOCIATE = 0x03;

    private static final byte VERSION = 0x05;
    private static final byte NO_AUTH = 0x00;
    private static final byte USERNAME_PASSWORD = 0x02;
    private static final int NO_ACCEPTABLE_METHOD = 0xff;
    private static final byte AUTH_VERSION = 0x01;

    private enum Stage { METHOD, AUTH, REPLY, DONE }

    private final Socks5Options.Credentials credentials;
    private final byte command;
    private final Destination target;
    private final String server;
    private final Promise<Destination> result;
    private Stage stage = Stage.METHOD;
    private boolean greeted;
    private ByteBuf received;

    /**
     * @param server how to name the server in error messages
     */
    Socks5Handshake(Socks5Options.Credentials credentials, byte command, Destination target, String server,
                    Promise<Destination> result) {
        this.credentials = credentials;
        this.command = command;
        this.target = target;
        this.server = server;
        this.result = result;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        received = ctx.alloc().buffer(64);
        // One read at a time: whatever follows the reply stays in the socket for the relay.
        ctx.channel().config().setAutoRead(false);
        if (ctx.channel().isActive()) {
            sendGreeting(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!greeted) {
            sendGreeting(ctx);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (received != null) {
            received.release();
            received = null;
        }
    }

    private void sendGreeting(ChannelHandlerContext ctx) {
        greeted = true;
        ByteBuf out = ctx.alloc().buffer(4);
        out.writeByte(VERSION);
        if (credentials == null) {
            out.writeByte(1).writeByte(NO_AUTH);
        } else {
            out.writeByte(2).writeByte(NO_AUTH).writeByte(USERNAME_PASSWORD);
        }
        send(ctx, out);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            received.writeBytes(in);
        } finally {
            in.release();
        }
        try {
            advance(ctx);
        } catch (Exception e) {
            fail(ctx, e);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (stage != Stage.DONE && ctx.channel().isActive()) {
            ctx.read();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, new IOException("SOCKS5 server " + server + " closed the connection during the handshake"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, cause);
    }

    /** Consumes as many complete messages as have arrived. */
    private void advance(ChannelHandlerContext ctx) throws Exception {
        while (stage != Stage.DONE) {
            boolean progressed = switch (stage) {
                case METHOD -> readMethod(ctx);
                case AUTH -> readAuthStatus(ctx);
                case REPLY -> readReply(ctx);
                case DONE -> false;
            };
            if (!progressed) {
                return;
            }
        }
    }

    private boolean readMethod(ChannelHandlerContext ctx) throws Exception {
        if (received.readableBytes() < 2) {
            return false;
        }
        checkVersion(received.readByte());
        int method = received.readUnsignedByte();
        if (method == NO_AUTH) {
            sendRequest(ctx);
        } else if (method == USERNAME_PASSWORD && credentials != null) {
            sendCredentials(ctx);
        } else if (method == USERNAME_PASSWORD) {
            throw new IOException("SOCKS5 server " + server + " requires a username and password; none are configured");
        } else if (method == NO_ACCEPTABLE_METHOD) {
            throw new IOException("SOCKS5 server " + server + " accepts none of the offered authentication methods ("
                    + (credentials == null ? "none" : "none, username/password") + ")");
        } else {
            throw new Socks5ProtocolException("SOCKS5 server " + server + " chose method 0x" + Integer.toHexString(method)
                    + ", which was not offered");
        }
        return true;
    }

    private void sendCredentials(ChannelHandlerContext ctx) {
        byte[] user = credentials.username();
        byte[] pass = credentials.password();
        ByteBuf out = ctx.alloc().buffer(3 + user.length + pass.length);
        out.writeByte(AUTH_VERSION).writeByte(user.length).writeBytes(user).writeByte(pass.length).writeBytes(pass);
        send(ctx, out);
        stage = Stage.AUTH;
    }

    private boolean readAuthStatus(ChannelHandlerContext ctx) throws Exception {
        if (received.readableBytes() < 2) {
            return false;
        }
        byte version = received.readByte();
        if (version != AUTH_VERSION && version != VERSION) {
            throw new Socks5ProtocolException("SOCKS5 server " + server + " sent an authentication reply of version 0x"
                    + Integer.toHexString(version & 0xff));
        }
        int status = received.readUnsignedByte();
        if (status != 0) {
            throw new IOException("SOCKS5 server " + server + " rejected the username and password (status 0x"
                    + Integer.toHexString(status) + ")");
        }
        sendRequest(ctx);
        return true;
    }

    private void sendRequest(ChannelHandlerContext ctx) throws IOException {
        int addressLength = SocksAddress.encodedLength(target);
        if (addressLength < 0) {
            throw new IOException("destination name too long for SOCKS5: " + target);
        }
        ByteBuf out = ctx.alloc().buffer(3 + addressLength);
        out.writeByte(VERSION).writeByte(command).writeByte(0);
        SocksAddress.write(target, out);
        send(ctx, out);
        stage = Stage.REPLY;
    }

    private boolean readReply(ChannelHandlerContext ctx) throws Exception {
        if (received.readableBytes() < 2) {
            return false;
        }
        int start = received.readerIndex();
        checkVersion(received.getByte(start));
        int code = received.getUnsignedByte(start + 1);
        if (code != Socks5Reply.SUCCEEDED) {
            // Decided by the code alone: some servers close without sending the rest of the reply.
            throw Socks5Reply.failure(code, server, requestName());
        }
        if (received.readableBytes() < 4) {
            return false;
        }
        int addressLength = SocksAddress.lengthAt(received, start + 3);
        if (addressLength < 0 || received.readableBytes() < 3 + addressLength) {
            return false;
        }
        received.skipBytes(3);
        Destination bound = SocksAddress.read(received);
        stage = Stage.DONE;
        finish(ctx, bound);
        return true;
    }

    private void finish(ChannelHandlerContext ctx, Destination bound) {
        ByteBuf rest = received;
        received = null;
        if (rest.isReadable()) {
            ctx.pipeline().replace(this, null, new PendingBytes(rest));
        } else {
            rest.release();
            ctx.pipeline().remove(this);
        }
        if (!result.trySuccess(bound)) {
            ctx.close();
        }
    }

    private String requestName() {
        return (command == CONNECT ? "CONNECT " : "UDP ASSOCIATE ") + target;
    }

    private void checkVersion(byte version) throws Socks5ProtocolException {
        if (version != VERSION) {
            throw new Socks5ProtocolException("not a SOCKS5 server at " + server + ": reply starts with 0x"
                    + Integer.toHexString(version & 0xff));
        }
    }

    private void send(ChannelHandlerContext ctx, ByteBuf out) {
        ctx.writeAndFlush(out).addListener(f -> {
            if (!f.isSuccess()) {
                fail(ctx, f.cause() instanceof ClosedChannelException
                        ? new IOException("SOCKS5 server " + server + " closed the connection", f.cause()) : f.cause());
            }
        });
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        stage = Stage.DONE;
        result.tryFailure(cause);
        ctx.close();
    }
}
