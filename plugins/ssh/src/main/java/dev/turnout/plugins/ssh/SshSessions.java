package dev.turnout.plugins.ssh;

import dev.turnout.api.Destination;
import dev.turnout.api.Dialer;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.config.hosts.HostConfigEntry;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * The SSH sessions of one {@code ssh} outbound, one per event loop, as mihomo keeps one client per node: a flow
 * opens a channel on its loop's session, logged in already, instead of a connection, a key exchange and a login of
 * its own. A session is made when a flow first needs it and made anew after it ends (the server went away, the
 * network changed); all flows waiting for it fail together when it cannot be made within {@link #LOGIN_TIMEOUT}.
 * Each loop's state is touched on that loop only.
 */
final class SshSessions {

    /** From dialling to logged in: a flow waits no longer. */
    static final Duration LOGIN_TIMEOUT = Duration.ofSeconds(15);
    /**
     * A session asks the server whether it is there this often, as OpenSSH's client does with ServerAliveInterval
     * (the same request, {@value #KEEPALIVE}), and is ended when three go unanswered: a NAT that forgot it, or a
     * server gone, ends it instead of leaving the next flows to wait on it.
     */
    static final Duration HEARTBEAT = Duration.ofSeconds(30);
    static final String KEEPALIVE = "keepalive@openssh.com";

    private final SshOptions options;
    private final String label;
    private final Map<EventLoop, OnLoop> loops = new ConcurrentHashMap<>();
    private final Client client;
    private volatile String keyRefused;

    SshSessions(SshOptions options, Dialer dialer, String label) {
        this(options, dialer, label, HEARTBEAT);
    }

    /** With the keepalive every {@code heartbeat}: tests wait less. */
    SshSessions(SshOptions options, Dialer dialer, String label, Duration heartbeat) {
        this.options = options;
        this.label = label;
        // The builder's defaults (ciphers, key exchanges, MACs, signatures: SSHD's, as OpenSSH's client offers them),
        // with connections made by the host.
        this.client = (Client) ClientBuilder.builder().factory(Client::new).build();
        client.setIoServiceFactoryFactory(new DialedIoService(dialer, options.server()));
        client.setServerKeyVerifier(this::acceptsServerKey);
        client.setCipherFactories(gcmFirst(client.getCipherFactories()));
        // Nothing from the machine's ~/.ssh: the entry's own keys, known hosts and names only.
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        List<NamedFactory<Signature>> offered = options.hostKeyAlgorithms().isEmpty() ? client.getSignatureFactories()
                : List.<NamedFactory<Signature>>copyOf(options.hostKeyAlgorithms());
        client.setSignatureFactories(pinnedFirst(offered, options.hostKeys()));
        // The relay's flows may be quiet for hours (an idle SSH or IMAP connection through it): the session must not
        // end for quiet alone, only when the server stops answering.
        CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
        CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, heartbeat);
        CoreModuleProperties.HEARTBEAT_REQUEST.set(client, KEEPALIVE);
        CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, 3);
    }

    /**
     * SSHD's ciphers with AES-GCM first, where SSHD puts ChaCha20-Poly1305 first: SSHD's ChaCha20 is its own Java
     * code, the JDK's AES-GCM runs on the processor's AES and carry-less multiply instructions.
     */
    static List<NamedFactory<Cipher>> gcmFirst(List<NamedFactory<Cipher>> ciphers) {
        List<NamedFactory<Cipher>> out = new ArrayList<>(ciphers.size());
        ciphers.stream().filter(c -> c.getName().startsWith("aes") && c.getName().contains("gcm")).forEach(out::add);
        ciphers.stream().filter(c -> !out.contains(c)).forEach(out::add);
        return out;
    }

    /**
     * The host key algorithms to offer, those of the pinned keys first, as OpenSSH's client puts those it knows a key
     * for first: the server shows its key of the first algorithm both have, and a VPS has several (ECDSA, ed25519,
     * RSA); offered in SSHD's order, an ECDSA key would come where only the ed25519 one is pinned, and be refused.
     */
    static List<NamedFactory<Signature>> pinnedFirst(List<NamedFactory<Signature>> offered, List<PublicKey> pinned) {
        Set<String> known = new HashSet<>();
        for (PublicKey key : pinned) {
            known.addAll(KeyUtils.getAllEquivalentKeyTypes(KeyUtils.getKeyType(key)));
        }
        List<NamedFactory<Signature>> out = new ArrayList<>(offered.size());
        offered.stream().filter(f -> known.contains(f.getName())).forEach(out::add);
        offered.stream().filter(f -> !known.contains(f.getName())).forEach(out::add);
        return out;
    }

    private boolean acceptsServerKey(ClientSession session, SocketAddress address, PublicKey key) {
        if (options.hostKeys().isEmpty() || options.hostKeys().stream().anyMatch(k -> KeyUtils.compareKeys(k, key))) {
            return true;
        }
        keyRefused = "the server's key " + KeyUtils.getKeyType(key) + " " + KeyUtils.getFingerPrint(key)
                + " is none of 'host-key'";
        return false;
    }

    /** A channel to {@code target} through the server, on {@code loop}, ready for payload. */
    Future<Channel> open(EventLoop loop, Destination target) {
        Promise<Channel> result = loop.newPromise();
        if (loop.inEventLoop()) {
            onLoop(loop).open(target, result);
        } else {
            loop.execute(() -> onLoop(loop).open(target, result));
        }
        return result;
    }

    private OnLoop onLoop(EventLoop loop) {
        return loops.computeIfAbsent(loop, OnLoop::new);
    }

    /** Ends every session; flows on them end with them. */
    void close() {
        if (client.isStarted()) {
            client.stop();
        }
    }

    /** An SSH client whose connections are the host's ({@link DialedIoService}), started when first used. */
    private static final class Client extends SshClient {

        synchronized void startOnce() {
            if (!isStarted()) {
                start();
            }
        }

        /**
         * Connects to {@code server} on {@code loop}: SshClient's own {@code connect} would look the name up itself
         * (outside Turnout's DNS, blocking), and read the machine's {@code ~/.ssh/config}.
         */
        ConnectFuture connect(String username, Destination server, EventLoop loop) throws IOException {
            String host = server.hostOrAddress();
            HostConfigEntry entry = new HostConfigEntry(host, host, server.port(), username);
            entry.setIdentitiesOnly(true); // the entry's key, never the machine's default identities
            return doConnect(username, InetSocketAddress.createUnresolved(host, server.port()),
                    AttributeRepository.ofKeyValuePair(DialedIoService.LOOP, loop), null, null, entry);
        }
    }

    /** One loop's session. */
    private final class OnLoop {
        private final EventLoop loop;
        private ClientSession session;
        private Promise<ClientSession> login;

        OnLoop(EventLoop loop) {
            this.loop = loop;
        }

        void open(Destination target, Promise<Channel> result) {
            loggedIn().addListener(f -> {
                if (!f.isSuccess()) {
                    result.tryFailure(f.cause());
                    return;
                }
                openChannel((ClientSession) f.getNow(), target, result);
            });
        }

        private Future<ClientSession> loggedIn() {
            if (session != null && session.isOpen() && session.isAuthenticated()) {
                return loop.newSucceededFuture(session);
            }
            if (login != null) {
                return login;
            }
            Promise<ClientSession> attempt = loop.newPromise();
            login = attempt;
            attempt.addListener(f -> {
                if (login == attempt) {
                    login = null;
                }
            });
            ScheduledFuture<?> timeout = loop.schedule(() -> attempt.tryFailure(new IOException(label
                    + ": not logged in within " + LOGIN_TIMEOUT.toSeconds() + " s")), LOGIN_TIMEOUT.toMillis(),
                    TimeUnit.MILLISECONDS);
            attempt.addListener(f -> timeout.cancel(false));
            ConnectFuture connecting;
            try {
                client.startOnce();
                connecting = client.connect(options.username(), options.server(), loop);
            } catch (IOException | RuntimeException e) {
                attempt.tryFailure(new IOException(label + ": " + e.getMessage(), e));
                return attempt;
            }
            connecting.addListener(c -> loop.execute(() -> connected(c, attempt)));
            attempt.addListener(f -> {
                if (!f.isSuccess()) {
                    connecting.cancel();
                }
            });
            return attempt;
        }

        private void connected(ConnectFuture c, Promise<ClientSession> attempt) {
            if (!c.isConnected()) {
                attempt.tryFailure(failure("cannot connect", c.getException()));
                return;
            }
            ClientSession s = c.getClientSession();
            if (attempt.isDone()) { // timed out meanwhile
                s.close(true);
                return;
            }
            if (options.password() != null) {
                s.addPasswordIdentity(options.password());
            }
            for (KeyPair key : options.keys()) {
                s.addPublicKeyIdentity(key);
            }
            try {
                s.auth().addListener(a -> loop.execute(() -> {
                    if (a.isSuccess() && attempt.trySuccess(s)) {
                        session = s;
                        s.addCloseFutureListener(closed -> loop.execute(() -> {
                            if (session == s) {
                                session = null;
                            }
                        }));
                    } else {
                        s.close(true);
                        attempt.tryFailure(failure("cannot log in as " + options.username(), a.getException()));
                    }
                }));
            } catch (IOException e) {
                s.close(true);
                attempt.tryFailure(failure("cannot log in as " + options.username(), e));
            }
        }

        private IOException failure(String what, Throwable cause) {
            String said = cause == null ? "closed" : cause.getMessage() == null ? cause.toString() : cause.getMessage();
            // SSHD says only "Server key did not validate"; the verifier noted which key it was.
            String refused = keyRefused;
            String why = refused != null && said.contains("Server key did not validate") ? refused : said;
            return new IOException(label + ": " + what + ": " + why, cause);
        }

        private void openChannel(ClientSession s, Destination target, Promise<Channel> result) {
            SocketAddress local = s.getIoSession().getLocalAddress();
            SocketAddress remote = s.getIoSession().getRemoteAddress();
            SshStreamChannel stream = new SshStreamChannel(local, remote);
            ForwardedTunnel tunnel = new ForwardedTunnel(new SshdSocketAddress(target.hostOrAddress(), target.port()), stream);
            stream.attach(tunnel);
            try {
                s.getService(ConnectionService.class).registerChannel(tunnel);
                tunnel.open().addListener(o -> loop.execute(() -> {
                    if (!o.isOpened()) {
                        Throwable cause = o.getException();
                        result.tryFailure(new IOException(label + " cannot reach " + target + ": "
                                + (cause instanceof SshChannelOpenException refused ? refused.getMessage()
                                : String.valueOf(cause)), cause));
                        tunnel.close(true);
                        return;
                    }
                    stream.opened();
                    tunnel.addCloseFutureListener(closed -> stream.remoteClosed());
                    loop.register(stream).addListener(r -> {
                        if (!r.isSuccess() || !result.trySuccess(stream)) {
                            stream.close();
                        }
                    });
                }));
            } catch (IOException | RuntimeException e) {
                tunnel.close(true);
                result.tryFailure(new IOException(label + " cannot open a channel to " + target + ": " + e, e));
            }
        }
    }
}
