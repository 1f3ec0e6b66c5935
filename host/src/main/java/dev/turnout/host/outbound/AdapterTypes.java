package dev.turnout.host.outbound;

import java.util.Locale;
import java.util.Set;

/** mihomo's names for outbound and group types ({@code C.AdapterType.String()}), as dashboards and exclude-type spell them. */
public final class AdapterTypes {

    /**
     * mihomo's proxy types none of Turnout's plugins implements. An entry of one is left out, not a mistake in the
     * config; a type that is neither mihomo's nor a plugin's is (a misspelling, most likely).
     */
    static final Set<String> ELSEWHERE = Set.of("ssr", "snell", "hysteria", "hysteria2", "tuic", "wireguard",
            "mieru", "anytls");

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
            case "reject-drop" -> "RejectDrop";
            case "pass" -> "Pass";
            case "pass-rule" -> "PassRule";
            case "socks5" -> "Socks5";
            case "http" -> "Http";
            case "ss" -> "Shadowsocks";
            case "ssr" -> "ShadowsocksR";
            case "vmess" -> "Vmess";
            case "trojan" -> "Trojan";
            case "snell" -> "Snell";
            case "vless" -> "Vless";
            case "hysteria" -> "Hysteria";
            case "hysteria2" -> "Hysteria2";
            case "tuic" -> "Tuic";
            case "wireguard" -> "WireGuard";
            case "ssh" -> "Ssh";
            case "mieru" -> "Mieru";
            case "anytls" -> "AnyTLS";
            case "dns" -> "Dns";
            default -> null;
        };
    }
}
