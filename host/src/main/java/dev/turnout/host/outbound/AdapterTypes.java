package dev.turnout.host.outbound;

import java.util.Locale;

/** mihomo's names for outbound and group types ({@code C.AdapterType.String()}), as dashboards and exclude-type spell them. */
public final class AdapterTypes {

    private AdapterTypes() {
    }

    /** mihomo's name for a config {@code type:}, or {@code null} when mihomo has none we know. */
    public static String mihomoName(String type) {
        return switch (type.toLowerCase(Locale.ROOT)) {
            case "select" -> "Selector";
            case "url-test" -> "URLTest";
            case "fallback" -> "Fallback";
            case "load-balance" -> "LoadBalance";
            case "relay" -> "Relay";
            case "direct" -> "Direct";
            case "reject" -> "Reject";
            case "socks5" -> "Socks5";
            case "http" -> "Http";
            case "ss" -> "Shadowsocks";
            case "ssr" -> "ShadowsocksR";
            case "vmess" -> "Vmess";
            case "trojan" -> "Trojan";
            case "snell" -> "Snell";
            case "dns" -> "Dns";
            default -> null;
        };
    }
}
