package dev.turnout.host.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A UDP nameserver on loopback that behaves as told, where dnsmasq cannot: it answers A questions with one address
 * after a delay, or with an rcode, or not at all, and only the first query it hears or every one. It keeps every
 * query it heard.
 */
final class ScriptedUpstream implements AutoCloseable {

    /**
     * @param code        the answer's rcode; NOERROR carries {@code address} for A (other types: no record)
     * @param address     the A record given (TTL 300)
     * @param delayMillis how long after a query its answer goes
     * @param firstOnly   answer the first query only, later ones (a client's tries again) are heard and ignored
     * @param silent      answer nothing
     * @param truncated   the answer says it was cut short (TC), with no record; nobody answers TCP on the port
     */
    record Script(DnsResponseCode code, InetAddress address, long delayMillis, boolean firstOnly, boolean silent,
                  boolean truncated) {

        static Script answers(String address, long delayMillis) throws IOException {
            return new Script(DnsResponseCode.NOERROR, InetAddress.getByName(address), delayMillis, false, false,
                    false);
        }

        static Script mute() {
            return new Script(DnsResponseCode.NOERROR, null, 0, false, true, false);
        }

        static Script failing(DnsResponseCode code) {
            return new Script(code, null, 0, false, false, false);
        }

        static Script truncating() {
            return new Script(DnsResponseCode.NOERROR, null, 0, false, false, true);
        }

        Script firstQueryOnly() {
            return new Script(code, address, delayMillis, true, silent, truncated);
        }
    }

    private final DatagramSocket socket;
    private final Script script;
    private final List<byte[]> heard = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    private final Thread reader;

    ScriptedUpstream(Script script) throws IOException {
        this.script = script;
        this.socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        this.reader = new Thread(this::serve, "scripted-upstream");
        reader.setDaemon(true);
        reader.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    Nameserver udp() {
        return new Nameserver(Nameserver.Protocol.UDP, address());
    }

    /** The queries heard so far, as sent. */
    List<byte[]> heard() {
        return List.copyOf(heard);
    }

    private void serve() {
        byte[] buf = new byte[65535];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                continue;
            }
            byte[] query = java.util.Arrays.copyOf(p.getData(), p.getLength());
            heard.add(query);
            if (script.silent() || script.firstOnly() && heard.size() > 1) {
                continue;
            }
            byte[] answer = answer(query);
            InetSocketAddress to = (InetSocketAddress) p.getSocketAddress();
            later.schedule(() -> {
                try {
                    socket.send(new DatagramPacket(answer, answer.length, to));
                } catch (IOException ignored) {
                    // closed meanwhile
                }
            }, script.delayMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private byte[] answer(byte[] query) {
        DnsQuery q = null;
        DefaultDnsResponse r = null;
        try {
            q = DnsWire.decodeQuery(Unpooled.wrappedBuffer(query));
            DnsQuestion question = q.recordAt(DnsSection.QUESTION);
            r = new DefaultDnsResponse(q.id(), DnsOpCode.QUERY, script.code());
            r.setRecursionDesired(q.isRecursionDesired()).setRecursionAvailable(true).setTruncated(script.truncated());
            r.addRecord(DnsSection.QUESTION, question);
            if (script.code().equals(DnsResponseCode.NOERROR) && script.address() != null
                    && question.type().equals(io.netty.handler.codec.dns.DnsRecordType.A)) {
                r.addRecord(DnsSection.ANSWER, new AddressRecord(question.name(), question.type(), 300,
                        Unpooled.wrappedBuffer(script.address().getAddress())));
            }
            ByteBuf wire = DnsWire.encodeResponse(r);
            try {
                return ByteBufUtil.getBytes(wire);
            } finally {
                wire.release();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            if (r != null) {
                r.release();
            }
            if (q != null) {
                q.release();
            }
        }
    }

    @Override
    public void close() {
        socket.close();
        later.shutdownNow();
    }
}
