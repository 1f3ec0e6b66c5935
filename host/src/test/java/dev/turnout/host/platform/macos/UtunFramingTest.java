package dev.turnout.host.platform.macos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class UtunFramingTest {

    /** A 20-byte IPv4 header (UDP, 192.0.2.1 to 198.51.100.1) and 4 payload bytes. */
    static byte[] ipv4Packet() {
        byte[] p = new byte[24];
        p[0] = 0x45;
        p[3] = 24;
        p[8] = 64;
        p[9] = 17;
        p[12] = (byte) 192; p[13] = 0; p[14] = 2; p[15] = 1;
        p[16] = (byte) 198; p[17] = 51; p[18] = 100; p[19] = 1;
        p[20] = 1; p[21] = 2; p[22] = 3; p[23] = 4;
        return p;
    }

    /** A 40-byte IPv6 header (no payload, 2001:db8::1 to 2001:db8::2). */
    static byte[] ipv6Packet() {
        byte[] p = new byte[40];
        p[0] = 0x60;
        p[6] = 59; // no next header
        p[7] = 64;
        p[8] = 0x20; p[9] = 0x01; p[10] = 0x0d; p[11] = (byte) 0xb8; p[23] = 1;
        p[24] = 0x20; p[25] = 0x01; p[26] = 0x0d; p[27] = (byte) 0xb8; p[39] = 2;
        return p;
    }

    @Test
    void addsBigEndianAfInetForIpv4() {
        UtunFraming f = new UtunFraming();
        byte[] packet = ipv4Packet();
        ByteBuffer out = ByteBuffer.allocate(100);
        assertEquals(28, f.addHeader(ByteBuffer.wrap(packet), out));
        byte[] framed = Arrays.copyOf(out.array(), out.position());
        assertArrayEquals(new byte[] {0, 0, 0, 2}, Arrays.copyOfRange(framed, 0, 4));
        assertArrayEquals(packet, Arrays.copyOfRange(framed, 4, 28));
        assertEquals(0, f.rejected());
    }

    @Test
    void addsBigEndianMacAfInet6ForIpv6() {
        UtunFraming f = new UtunFraming();
        byte[] packet = ipv6Packet();
        ByteBuffer out = ByteBuffer.allocate(100);
        assertEquals(44, f.addHeader(ByteBuffer.wrap(packet), out));
        assertArrayEquals(new byte[] {0, 0, 0, 30}, Arrays.copyOfRange(out.array(), 0, 4));
        assertArrayEquals(packet, Arrays.copyOfRange(out.array(), 4, 44));
    }

    @Test
    void stripsTheHeaderOfIpv4AndIpv6() {
        UtunFraming f = new UtunFraming();
        for (byte[] packet : new byte[][] {ipv4Packet(), ipv6Packet()}) {
            ByteBuffer framed = ByteBuffer.allocate(4 + packet.length);
            framed.putInt(packet[0] >> 4 == 4 ? 2 : 30).put(packet).flip();
            assertEquals(packet.length, f.stripHeader(framed));
            assertEquals(4, framed.position());
            byte[] rest = new byte[framed.remaining()];
            framed.get(rest);
            assertArrayEquals(packet, rest);
        }
        assertEquals(0, f.rejected());
    }

    @Test
    void rejectsAndCountsAPacketWithABadVersionNibble() {
        UtunFraming f = new UtunFraming();
        byte[] packet = ipv4Packet();
        packet[0] = 0x55;
        ByteBuffer out = ByteBuffer.allocate(100);
        assertEquals(-1, f.addHeader(ByteBuffer.wrap(packet), out));
        assertEquals(0, out.position(), "nothing written");
        assertEquals(1, f.rejected());
        assertEquals(-1, UtunFraming.familyOf(0x00));
        assertEquals(-1, UtunFraming.familyOf(0xF0));
    }

    @Test
    void rejectsReceivedFramesWhoseFamilyDisagreesWithThePacketOrThatAreTooShort() {
        UtunFraming f = new UtunFraming();
        ByteBuffer v4AsV6 = ByteBuffer.allocate(28).putInt(30).put(ipv4Packet()).flip();
        assertEquals(-1, f.stripHeader(v4AsV6));
        assertEquals(0, v4AsV6.position(), "position unchanged on rejection");
        ByteBuffer linuxAfInet6 = ByteBuffer.allocate(44).putInt(10).put(ipv6Packet()).flip();
        assertEquals(-1, f.stripHeader(linuxAfInet6));
        assertEquals(-1, f.stripHeader(ByteBuffer.wrap(new byte[] {0, 0, 0, 2})));
        assertEquals(-1, f.stripHeader(ByteBuffer.wrap(new byte[] {0, 0})));
        assertEquals(4, f.rejected());
    }
}
