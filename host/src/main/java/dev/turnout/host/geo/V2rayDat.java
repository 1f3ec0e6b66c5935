package dev.turnout.host.geo;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.files.Download;
import dev.turnout.rules.GeoSiteDomain;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * v2ray's geosite.dat ({@code GeoSiteList}) and geoip.dat ({@code GeoIPList}), read from the protobuf wire format
 * with the field numbers of v2ray-core's app/router/routercommon/common.proto. Opening only indexes the entries by
 * code; a list's domains or a country's ranges are decoded when a rule asks for them.
 */
final class V2rayDat {

    // GeoSiteList.entry / GeoIPList.entry
    private static final int LIST_ENTRY = 1;
    // GeoSite / GeoIP
    private static final int COUNTRY_CODE = 1;
    private static final int SITE_DOMAIN = 2;
    private static final int IP_CIDR = 2;
    private static final int IP_INVERSE_MATCH = 3;
    // Domain
    private static final int DOMAIN_TYPE = 1;
    private static final int DOMAIN_VALUE = 2;
    private static final int DOMAIN_ATTRIBUTE = 3;
    // Domain.Attribute
    private static final int ATTRIBUTE_KEY = 1;
    // CIDR
    private static final int CIDR_IP = 1;
    private static final int CIDR_PREFIX = 2;

    private final Path file;
    private final Map<String, ByteString> entries;

    private V2rayDat(Path file, Map<String, ByteString> entries) {
        this.file = file;
        this.entries = entries;
    }

    /** Reads {@code file} (at most {@code maxBytes}) and indexes its entries by code, in lower case. */
    static V2rayDat open(Path file, long maxBytes) throws IOException {
        long size = Files.size(file);
        if (size > maxBytes) {
            throw new IOException(file + " is " + Download.bytes(size) + ", more than the "
                    + Download.bytes(maxBytes) + " allowed");
        }
        CodedInputStream in = CodedInputStream.newInstance(ConfigLoader.readFile(file));
        in.enableAliasing(true);
        in.setSizeLimit(Integer.MAX_VALUE);
        Map<String, ByteString> entries = new HashMap<>();
        try {
            for (int tag; (tag = in.readTag()) != 0; ) {
                if (!lengthDelimited(tag, LIST_ENTRY)) {
                    in.skipField(tag);
                    continue;
                }
                ByteString entry = in.readBytes();
                String code = code(entry);
                if (code != null) {
                    entries.putIfAbsent(code.toLowerCase(Locale.ROOT), entry);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " is not a v2ray geo data file (protobuf GeoSiteList/GeoIPList): " + e.getMessage(), e);
        }
        return new V2rayDat(file, entries);
    }

    private static boolean lengthDelimited(int tag, int field) {
        return WireFormat.getTagFieldNumber(tag) == field
                && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }

    int size() {
        return entries.size();
    }

    private static String code(ByteString entry) throws IOException {
        CodedInputStream in = entry.newCodedInput();
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (WireFormat.getTagFieldNumber(tag) == COUNTRY_CODE
                    && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                return in.readStringRequireUtf8();
            }
            in.skipField(tag);
        }
        return null;
    }

    /** The domains of a geosite list, or null when the file has none by that name. */
    List<GeoSiteDomain> site(String list) throws IOException {
        ByteString entry = entries.get(list.toLowerCase(Locale.ROOT));
        if (entry == null) {
            return null;
        }
        List<GeoSiteDomain> out = new ArrayList<>();
        try {
            CodedInputStream in = entry.newCodedInput();
            for (int tag; (tag = in.readTag()) != 0; ) {
                if (lengthDelimited(tag, SITE_DOMAIN)) {
                    out.add(domain(in.readBytes().newCodedInput()));
                } else {
                    in.skipField(tag);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": list '" + list + "' cannot be read: " + e.getMessage(), e);
        }
        return out;
    }

    private static GeoSiteDomain domain(CodedInputStream in) throws IOException {
        int type = 0;
        String value = "";
        Set<String> attributes = new HashSet<>();
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case DOMAIN_TYPE -> type = in.readEnum();
                case DOMAIN_VALUE -> value = in.readStringRequireUtf8();
                case DOMAIN_ATTRIBUTE -> {
                    CodedInputStream a = in.readBytes().newCodedInput();
                    for (int t; (t = a.readTag()) != 0; ) {
                        if (WireFormat.getTagFieldNumber(t) == ATTRIBUTE_KEY) {
                            attributes.add(a.readStringRequireUtf8().toLowerCase(Locale.ROOT));
                        } else {
                            a.skipField(t);
                        }
                    }
                }
                default -> in.skipField(tag);
            }
        }
        GeoSiteDomain.Type[] types = GeoSiteDomain.Type.values();
        if (type < 0 || type >= types.length) {
            throw new IOException("unknown domain type " + type + " for '" + value + "'");
        }
        return new GeoSiteDomain(types[type], value, Set.copyOf(attributes));
    }

    /** A country's CIDRs ({@code 1.0.1.0/24}), or null when the file has no such country. */
    List<String> ranges(String country) throws IOException {
        ByteString entry = entries.get(country.toLowerCase(Locale.ROOT));
        if (entry == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        try {
            CodedInputStream in = entry.newCodedInput();
            for (int tag; (tag = in.readTag()) != 0; ) {
                int field = WireFormat.getTagFieldNumber(tag);
                if (field == IP_CIDR && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    out.add(cidr(in.readBytes().newCodedInput()));
                } else if (field == IP_INVERSE_MATCH && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT) {
                    if (in.readBool()) {
                        throw new IOException("inverse_match is set, which Turnout does not support");
                    }
                } else {
                    in.skipField(tag);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": country '" + country + "' cannot be read: " + e.getMessage(), e);
        }
        return out;
    }

    private static String cidr(CodedInputStream in) throws IOException {
        byte[] ip = null;
        int prefix = -1;
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case CIDR_IP -> ip = in.readByteArray();
                case CIDR_PREFIX -> prefix = in.readUInt32();
                default -> in.skipField(tag);
            }
        }
        if (ip == null || (ip.length != 4 && ip.length != 16) || prefix < 0 || prefix > ip.length * 8) {
            throw new IOException("a CIDR with " + (ip == null ? "no" : ip.length + " bytes of") + " address and prefix "
                    + prefix);
        }
        // getByAddress turns ::ffff:a.b.c.d into an IPv4 address: its prefix then counts from bit 96.
        InetAddress a = InetAddress.getByAddress(ip);
        int length = ip.length == 16 && a.getAddress().length == 4 ? Math.max(0, prefix - 96) : prefix;
        return a.getHostAddress() + "/" + length;
    }
}
