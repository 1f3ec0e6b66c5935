package dev.turnout.host.dns;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a real dnsmasq received, as it records it itself: {@code --dumpfile} with {@code --dumpmask=0x0001} writes
 * each query from a client to a pcap file of raw IP packets. dnsmasq 2.90 records queries that came over UDP, not
 * those over TCP. Its log says nothing of EDNS options, even with {@code --log-queries=extra}.
 */
final class DnsmasqDump {

    private static final int LINKTYPE_RAW = 101;
    private static final int UDP_HEADER = 8;

    private final Path file;

    DnsmasqDump(Path file) {
        this.file = file;
    }

    /** dnsmasq's arguments that make it record queries to this file. */
    String[] args() {
        return new String[] {"--dumpfile=" + file, "--dumpmask=0x0001"};
    }

    /** The DNS messages of the queries received so far, oldest first. */
    List<byte[]> queries() throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        // dnsmasq writes the pcap header in its own byte order; the magic number tells which.
        b.order(b.getInt(0) == 0xa1b2c3d4 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != 0xa1b2c3d4 || b.getInt(20) != LINKTYPE_RAW) {
            throw new IOException(file + " is not a pcap file of raw IP packets");
        }
        List<byte[]> out = new ArrayList<>();
        int at = 24;
        while (at + 16 <= b.limit()) {
            int captured = b.getInt(at + 8);
            int packet = at + 16;
            if (packet + captured > b.limit()) {
                break; // being written
            }
            int version = (b.get(packet) & 0xF0) >> 4;
            int ipHeader = version == 4 ? (b.get(packet) & 0x0F) * 4 : 40;
            out.add(Arrays.copyOfRange(b.array(), packet + ipHeader + UDP_HEADER, packet + captured));
            at = packet + captured;
        }
        return out;
    }

    /** The subnet of each query received for {@code name}, in order ({@code null} for one sent without). */
    List<SentSubnet> subnetsAskedFor(String name) throws Exception {
        List<SentSubnet> out = new ArrayList<>();
        for (byte[] q : queries()) {
            if (SentSubnet.questionOf(q).equalsIgnoreCase(name)) {
                out.add(SentSubnet.in(q));
            }
        }
        return out;
    }
}
