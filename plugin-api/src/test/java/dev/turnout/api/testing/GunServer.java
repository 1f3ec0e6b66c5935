package dev.turnout.api.testing;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real gRPC server (grpc-java over its own Netty, with TLS or in clear) serving V2Ray's gun service:
 * {@code rpc Tun(stream Hunk) returns (stream Hunk)}, {@code message Hunk { bytes data = 1; }}, the messages read
 * and written by protobuf-java. Each call either echoes its messages or carries them to a TCP server and back, as
 * V2Ray and Xray do between their gRPC inbound and the protocol behind it, so a VLESS, VMess or Trojan server that
 * only speaks TCP can be reached through a gRPC transport.
 */
public final class GunServer implements AutoCloseable {

    /** What a server saw of one call (grpc-java keeps transport headers such as {@code te} to itself). */
    public record Call(String authority, String path, String userAgent) {
    }

    private static final Metadata.Key<String> USER_AGENT = Metadata.Key.of("user-agent",
            Metadata.ASCII_STRING_MARSHALLER);

    /** Hunk's data, field 1, as protobuf-java reads and writes it (not the transport's own code). */
    private static final MethodDescriptor.Marshaller<byte[]> HUNK = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] data) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 8);
            try {
                CodedOutputStream coded = CodedOutputStream.newInstance(out);
                coded.writeByteArray(1, data);
                coded.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new ByteArrayInputStream(out.toByteArray());
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                CodedInputStream in = CodedInputStream.newInstance(stream);
                ByteArrayOutputStream data = new ByteArrayOutputStream();
                for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                    if (WireFormat.getTagFieldNumber(tag) == 1
                            && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        data.write(in.readByteArray());
                    } else if (!in.skipField(tag)) {
                        break;
                    }
                }
                return data.toByteArray();
            } catch (IOException e) {
                throw Status.INTERNAL.withDescription("not a Hunk: " + e).asRuntimeException();
            }
        }
    };

    private final Server server;
    /** Every call's request, in arrival order. */
    public final List<Call> calls = new CopyOnWriteArrayList<>();
    /** The client address of every call, in the same order: calls on one connection share one. */
    public final List<SocketAddress> callers = new CopyOnWriteArrayList<>();

    private GunServer(String serviceName, Path certificate, Path privateKey, InetSocketAddress upstream,
                      InetSocketAddress listen) throws IOException {
        MethodDescriptor<byte[], byte[]> tun = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(serviceName, "Tun"))
                .setRequestMarshaller(HUNK)
                .setResponseMarshaller(HUNK)
                .build();
        ServerServiceDefinition service = ServerServiceDefinition.builder(serviceName)
                .addMethod(tun, ServerCalls.asyncBidiStreamingCall(replies -> upstream == null
                        ? new Echo(replies) : new Carry(replies, upstream)))
                .build();
        ServerInterceptor record = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                callers.add(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
                calls.add(new Call(call.getAuthority(), "/" + call.getMethodDescriptor().getFullMethodName(),
                        headers.get(USER_AGENT)));
                return next.startCall(call, headers);
            }
        };
        NettyServerBuilder builder = NettyServerBuilder.forAddress(listen)
                .addService(ServerInterceptors.intercept(service, record));
        if (certificate != null) {
            builder.sslContext(GrpcSslContexts.forServer(certificate.toFile(), privateKey.toFile()).build());
        }
        server = builder.build().start();
    }

    /**
     * Echoes every message of a call back, and ends the call when the client does; on 127.0.0.1, with TLS for
     * {@code certs}' names or in clear when {@code null}.
     */
    public static GunServer echo(String serviceName, TestCertificates certs) throws IOException {
        return new GunServer(serviceName, certs == null ? null : certs.certificate(),
                certs == null ? null : certs.privateKey(), null, loopback());
    }

    /** Carries each call to a new TCP connection to {@code upstream} and back; on 127.0.0.1. */
    public static GunServer carrying(String serviceName, TestCertificates certs, InetSocketAddress upstream)
            throws IOException {
        return new GunServer(serviceName, certs == null ? null : certs.certificate(),
                certs == null ? null : certs.privateKey(), upstream, loopback());
    }

    /** The same on {@code listen}, with TLS from PEM files: for a server in another network namespace. */
    public static GunServer carrying(String serviceName, Path certificate, Path privateKey,
                                     InetSocketAddress upstream, InetSocketAddress listen) throws IOException {
        return new GunServer(serviceName, certificate, privateKey, upstream, listen);
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    /** Blocks until the server has stopped (a peer process's main thread). */
    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Echo implements StreamObserver<byte[]> {
        private final StreamObserver<byte[]> replies;

        Echo(StreamObserver<byte[]> replies) {
            this.replies = replies;
        }

        @Override
        public void onNext(byte[] data) {
            replies.onNext(data);
        }

        @Override
        public void onError(Throwable t) {
            // the client went away
        }

        @Override
        public void onCompleted() {
            replies.onCompleted();
        }
    }

    /** One TCP connection per call; a thread copies what the TCP server sends into replies. */
    private static final class Carry implements StreamObserver<byte[]> {
        private final Socket socket = new Socket();
        private final OutputStream out;

        Carry(StreamObserver<byte[]> replies, InetSocketAddress upstream) {
            try {
                socket.connect(upstream, 5000);
                out = socket.getOutputStream();
            } catch (IOException e) {
                throw Status.UNAVAILABLE.withDescription("upstream: " + e).asRuntimeException();
            }
            Thread reader = new Thread(() -> {
                byte[] buffer = new byte[32 * 1024];
                try (InputStream in = socket.getInputStream()) {
                    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                        if (n > 0) {
                            synchronized (replies) {
                                replies.onNext(java.util.Arrays.copyOf(buffer, n));
                            }
                        }
                    }
                    synchronized (replies) {
                        replies.onCompleted();
                    }
                } catch (IOException | RuntimeException e) {
                    // the call or the connection was closed
                }
            }, "gun-carry");
            reader.setDaemon(true);
            reader.start();
        }

        @Override
        public void onNext(byte[] data) {
            try {
                out.write(data);
                out.flush();
            } catch (IOException e) {
                close();
            }
        }

        @Override
        public void onError(Throwable t) {
            close();
        }

        @Override
        public void onCompleted() {
            try {
                socket.shutdownOutput();
            } catch (IOException e) {
                close();
            }
        }

        private void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing
            }
        }
    }
}
