package dev.turnout.host.geo;

import com.google.protobuf.CodedOutputStream;
import dev.turnout.api.testing.Required;
import dev.turnout.host.config.GeoOptions;
import dev.turnout.rules.GeoData;
import dev.turnout.rules.Origin;
import dev.turnout.rules.RuleLine;
import dev.turnout.rules.RuleSet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Builds small geo databases in the real formats for tests: MaxMind databases with MaxMind's own writer (Debian's
 * libmaxmind-db-writer-perl; no Java writer is published on Maven Central), v2ray .dat files with protobuf's
 * CodedOutputStream and the field numbers of routercommon.proto.
 */
public final class GeoFiles {

    private GeoFiles() {
    }

    /**
     * A MaxMind database of {@code type} ({@code GeoIP2-Country}, {@code GeoLite2-ASN}) from Perl records:
     * {@code "198.51.100.0/24" -> "{ country => { iso_code => 'JP' } }"}.
     */
    public static Path mmdb(Path file, String type, Map<String, String> records) throws Exception {
        return mmdb(file, type, 24, records);
    }

    /** As {@link #mmdb(Path, String, Map)}, with search-tree records of {@code recordSize} bits (24, 28 or 32). */
    static Path mmdb(Path file, String type, int recordSize, Map<String, String> records) throws Exception {
        Required.that(perlWriter(), () -> "perl's MaxMind::DB::Writer (Debian libmaxmind-db-writer-perl)");
        StringBuilder script = new StringBuilder("""
                use strict; use warnings; use MaxMind::DB::Writer::Tree;
                my %types = (country => 'map', registered_country => 'map', iso_code => 'utf8_string',
                  autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string');
                my $tree = MaxMind::DB::Writer::Tree->new(ip_version => 6, record_size => """).append(recordSize)
                .append("""
                  , database_type => '""").append(type).append("""
                ', languages => ['en'], description => { en => 'Turnout test' },
                  map_key_type_callback => sub { $types{ $_[0] } }, remove_reserved_networks => 0,
                  alias_ipv6_to_ipv4 => 1);
                """);
        records.forEach((net, record) -> script.append("$tree->insert_network('").append(net).append("', ")
                .append(record).append(");\n"));
        script.append("open(my $o, '>:raw', $ARGV[0]) or die $!; $tree->write_tree($o); close $o;\n");
        Path pl = Files.createTempFile("turnout-mmdb-writer", ".pl");
        try {
            Files.writeString(pl, script);
            Process p = new ProcessBuilder("perl", pl.toString(), file.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new AssertionError("perl writer failed: " + out);
            }
            return file;
        } finally {
            Files.deleteIfExists(pl);
        }
    }

    private static boolean perlWriter() {
        try {
            Process p = new ProcessBuilder("perl", "-MMaxMind::DB::Writer::Tree", "-e", "1").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** One geosite.dat domain: v2ray's type number (0 plain, 1 regex, 2 domain, 3 full), value, attributes. */
    public record Domain(int type, String value, String... attributes) {
    }

    /** A geosite.dat: {@code GeoSiteList { repeated GeoSite entry = 1 }}, {@code GeoSite { country_code = 1; domain = 2 }}. */
    public static byte[] geosite(Map<String, List<Domain>> lists) throws IOException {
        List<byte[]> entries = new ArrayList<>();
        for (var e : lists.entrySet()) {
            List<byte[]> fields = new ArrayList<>();
            fields.add(string(1, e.getKey()));
            for (Domain d : e.getValue()) {
                List<byte[]> df = new ArrayList<>();
                df.add(varint(1, d.type()));
                df.add(string(2, d.value()));
                for (String a : d.attributes()) {
                    df.add(message(3, string(1, a), varint(2, 1)));
                }
                fields.add(message(2, df.toArray(byte[][]::new)));
            }
            entries.add(message(1, fields.toArray(byte[][]::new)));
        }
        return concat(entries.toArray(byte[][]::new));
    }

    /** A geoip.dat: {@code GeoIPList { repeated GeoIP entry = 1 }}, {@code GeoIP { country_code = 1; cidr = 2 }}. */
    static byte[] geoip(Map<String, List<String>> countries) throws IOException {
        List<byte[]> entries = new ArrayList<>();
        for (var e : countries.entrySet()) {
            List<byte[]> fields = new ArrayList<>();
            fields.add(string(1, e.getKey()));
            for (String cidr : e.getValue()) {
                String[] parts = cidr.split("/");
                fields.add(message(2, bytes(1, InetAddress.getByName(parts[0]).getAddress()),
                        varint(2, Integer.parseInt(parts[1]))));
            }
            entries.add(message(1, fields.toArray(byte[][]::new)));
        }
        return concat(entries.toArray(byte[][]::new));
    }

    private static byte[] string(int field, String value) throws IOException {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] bytes(int field, byte[] value) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(buf);
        out.writeByteArray(field, value);
        out.flush();
        return buf.toByteArray();
    }

    private static byte[] varint(int field, int value) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(buf);
        out.writeUInt32(field, value);
        out.flush();
        return buf.toByteArray();
    }

    private static byte[] message(int field, byte[]... parts) throws IOException {
        return bytes(field, concat(parts));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            buf.writeBytes(p);
        }
        return buf.toByteArray();
    }

    /** Rules compiled against the databases in {@code home}, as run compiles them. */
    static RuleSet compile(GeoData geo, String... rules) throws Exception {
        List<RuleLine> lines = new ArrayList<>();
        for (int i = 0; i < rules.length; i++) {
            lines.add(new RuleLine(rules[i], new Origin("config.yaml", 20 + i, 5)));
        }
        return RuleSet.compile(lines, Map.of(), Set.of("PROXY"), geo);
    }

    static GeoOptions options(boolean geodataMode, String url) {
        return new GeoOptions(geodataMode, url + "/geoip.dat", url + "/geosite.dat", url + "/Country.mmdb",
                url + "/GeoLite2-ASN.mmdb", false, 24, new Origin("config.yaml", 3, 3));
    }
}
