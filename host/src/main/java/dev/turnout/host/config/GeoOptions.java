package dev.turnout.host.config;

import dev.turnout.rules.Origin;

/**
 * mihomo's geo keys: where GEOIP, GEOSITE and IP-ASN databases come from when the home folder lacks them, and
 * whether they are refreshed.
 *
 * @param geodataMode {@code geodata-mode}: GEOIP reads v2ray's GeoIP.dat instead of Country.mmdb
 * @param geoIpUrl {@code geox-url.geoip}: GeoIP.dat
 * @param geoSiteUrl {@code geox-url.geosite}: GeoSite.dat
 * @param mmdbUrl {@code geox-url.mmdb}: Country.mmdb
 * @param asnUrl {@code geox-url.asn}: GeoLite2-ASN.mmdb
 * @param autoUpdate {@code geo-auto-update}
 * @param updateIntervalHours {@code geo-update-interval}, hours
 * @param origin where {@code geox-url} (or the config) was written, for messages
 */
public record GeoOptions(boolean geodataMode, String geoIpUrl, String geoSiteUrl, String mmdbUrl, String asnUrl,
                         boolean autoUpdate, int updateIntervalHours, Origin origin) {

    /**
     * mihomo's defaults, except for the mmdb: mihomo's {@code geoip.metadb} holds bare codes, while Clash users'
     * Country.mmdb has MaxMind's GeoIP2-Country shape, which the same project publishes as {@code country.mmdb}.
     */
    public static final String GEOIP_URL = "https://github.com/MetaCubeX/meta-rules-dat/releases/download/latest/geoip.dat";
    public static final String GEOSITE_URL = "https://github.com/MetaCubeX/meta-rules-dat/releases/download/latest/geosite.dat";
    public static final String MMDB_URL = "https://github.com/MetaCubeX/meta-rules-dat/releases/download/latest/country.mmdb";
    public static final String ASN_URL = "https://github.com/MetaCubeX/meta-rules-dat/releases/download/latest/GeoLite2-ASN.mmdb";

    public static GeoOptions defaults(Origin origin) {
        return new GeoOptions(false, GEOIP_URL, GEOSITE_URL, MMDB_URL, ASN_URL, false, 24, origin);
    }
}
