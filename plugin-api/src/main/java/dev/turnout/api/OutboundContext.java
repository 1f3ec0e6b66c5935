package dev.turnout.api;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/** What the host gives an outbound when it builds one. */
public interface OutboundContext {

    /**
     * The dialer for the outbound's own upstream connections: the host's socket bound to the physical
     * interface, or the outbound named by the entry's {@code dialer-proxy} option. The host keeps track of the
     * stream connections it opens and closes those still open when the outbound is closed ({@link Outbound#close}).
     */
    Dialer dialer();

    /** Resolves names the way the host does ({@code hosts:}, then the configured nameservers). */
    Resolver resolver();

    /**
     * Starts TLS on a connected {@code channel} (one the {@link #dialer()} opened) and completes with the same
     * channel once the handshake is done: bytes written to it are then encrypted. The host checks the server's
     * certificate against the system's trust store (and the file named by {@code SSL_CERT_FILE}, as Go programs
     * read it) unless {@code skip-cert-verify}, and against the pinned fingerprint when one is given. The handler
     * stays in the pipeline, ahead of any the plugin adds after it; on failure the channel is closed.
     */
    Future<Channel> tls(Channel channel, TlsOptions options);

    /**
     * Upgrades a connected (possibly TLS) {@code channel} to a WebSocket and completes with the same channel once
     * the server has accepted: from then on each write is sent as binary frames and reads deliver the frames'
     * payload as plain {@code ByteBuf}s. {@code host} is the {@code Host} header unless the options give one.
     * On failure (a status other than 101, a timeout) the channel is closed.
     */
    Future<Channel> webSocket(Channel channel, WebSocketOptions options, String host);

    /**
     * Opens a gRPC tunnel ({@code network: grpc}) on a connected TLS {@code channel} (its ALPN offered {@code h2})
     * and completes with the channel of that one call, an HTTP/2 stream: each write is sent as one message and
     * reads deliver the messages' payload as plain {@code ByteBuf}s; closing it closes the connection too.
     * {@code authority} is the request's {@code :authority}. The request is sent without waiting for the server's
     * answer; a server that refuses the call (a status other than 200, a gRPC error) closes the stream. On failure
     * the connection is closed. Call it on the channel's event loop as the layer below completes (in its future's
     * listener, as {@link Steps#then} does): an HTTP/2 server speaks first, and what the channel reads before the
     * call's codec is in place is lost.
     *
     * <p>A default for hosts that predate it: the connection is closed and the result fails.
     */
    default Future<Channel> grpc(Channel channel, GrpcOptions options, String authority) {
        channel.close();
        return channel.eventLoop().newFailedFuture(
                new UnsupportedOperationException("this host has no gRPC transport"));
    }

    /**
     * gRPC calls ({@link #grpc}'s) to one server whose connections are kept and shared: {@code connect} opens a
     * connection on the loop it is given, TLS included (its ALPN offering {@code h2}), bounded by its own deadline,
     * and is called only when no open connection on that loop can take another call. Build it once per outbound.
     *
     * <p>A default for hosts that predate it: every call gets a connection of its own.
     */
    default GrpcCalls grpcCalls(GrpcOptions options, String authority,
                                Function<EventLoop, Future<Channel>> connect) {
        return loop -> Steps.then(loop, connect.apply(loop), channel -> grpc(channel, options, authority));
    }

    /**
     * Sends V2Ray's HTTP/2 transport request ({@code network: h2}: a PUT to the options' path, its
     * {@code :authority} one of their hosts) on a connected TLS {@code channel} (its ALPN offered {@code h2}) and
     * completes with the request's stream channel: writes go out in the request's body, reads deliver the answer's
     * body; closing it closes the connection too. The request is sent without waiting for the answer; an answer
     * other than 200 closes the stream. On failure the connection is closed. Call it as {@link #grpc} says.
     *
     * <p>A default for hosts that predate it: the connection is closed and the result fails.
     */
    default Future<Channel> h2(Channel channel, H2Options options) {
        channel.close();
        return channel.eventLoop().newFailedFuture(
                new UnsupportedOperationException("this host has no h2 transport"));
    }

    /**
     * The folder a relative path in an entry's options is read from, as mihomo reads one from its home folder:
     * Turnout's home folder ({@code -d}, else the config's folder), absolute.
     *
     * <p>A default for hosts that predate it: empty, and relative paths cannot be read.
     */
    default Optional<Path> homeFolder() {
        return Optional.empty();
    }

    /**
     * Tells the user something about the entry's options that does not stop it (a key with no effect here, a cipher
     * without integrity): {@code key} is the option it is about ({@code null}: the entry as a whole), {@code message}
     * says what, without naming the entry. The host says where the entry is written, and folds the same message of
     * many entries (a subscription's nodes) into one line, where logging each would bury the rest.
     *
     * <p>A default for hosts that predate it: logged through {@link System.Logger}, without the entry's name.
     */
    default void warn(String key, String message) {
        System.getLogger(OutboundContext.class.getName()).log(System.Logger.Level.WARNING,
                key == null ? message : "'" + key + "': " + message);
    }

    /**
     * The bytes of a file that an entry's option names ({@code private-key: id_ed25519}); a relative path is read
     * from {@link #homeFolder()}. Read it through this rather than on its own: the host decides which files an entry
     * may name. An entry the user wrote may name any; a node from a subscription ({@code proxy-providers}) only files
     * inside the home folder or a folder of {@code SAFE_PATHS}, as mihomo confines a provider's own file, so that a
     * download cannot make Turnout (often root) read a file of the machine and send what it holds (an SSH key's
     * public half is enough to name its owner). Refused with an {@link java.nio.file.AccessDeniedException} whose
     * reason says so.
     *
     * <p>A default for hosts that predate it: the file is read with no check, a relative path only when there is a
     * home folder.
     */
    default byte[] readFile(String path) throws IOException {
        Path file = Path.of(path);
        if (!file.isAbsolute()) {
            Optional<Path> home = homeFolder();
            if (home.isEmpty()) {
                throw new FileSystemException(path, null, "a relative path, and this host gives no home folder to"
                        + " read it from");
            }
            file = home.get().resolve(file);
        }
        return Files.readAllBytes(file);
    }
}
