package dev.turnout.host.geo;

import dev.turnout.host.config.GeoOptions;
import dev.turnout.host.files.Download;
import dev.turnout.rules.AsnLookup;
import dev.turnout.rules.CountryLookup;
import dev.turnout.rules.GeoData;
import dev.turnout.rules.GeoDataException;
import dev.turnout.rules.GeoSiteDomain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.function.Consumer;

/**
 * The geo databases in the home folder, as Clash and mihomo keep them: Country.mmdb, GeoSite.dat, GeoIP.dat
 * (with {@code geodata-mode: true}) and GeoLite2-ASN.mmdb (or mihomo's ASN.mmdb). Each is opened when the first
 * rule that needs it is compiled; one that is missing is downloaded from its {@code geox-url} when downloading is
 * allowed (run, reload, match), and otherwise ({@code turnout check}) noted as what run would download.
 */
public final class HomeGeoData implements GeoData {

    public static final String COUNTRY_MMDB = "Country.mmdb";
    public static final String GEOSITE_DAT = "GeoSite.dat";
    public static final String GEOIP_DAT = "GeoIP.dat";
    public static final String ASN_MMDB = "GeoLite2-ASN.mmdb";
    /** mihomo's name for the ASN database: used when it is there and GeoLite2-ASN.mmdb is not. */
    static final String MIHOMO_ASN_MMDB = "ASN.mmdb";

    /** The country database the last routing opened: every reload compiles anew, most with the same file. */
    private static volatile OpenCountries lastCountries;

    private final GeoOptions options;
    private final Path home;
    private final boolean download;
    private final java.util.Set<String> notedMissing = new java.util.HashSet<>();
    private final Consumer<String> notes;
    private final Consumer<String> progress;
    private final java.time.Duration missingDownloadTime;
    private V2rayDat geoIp;
    private V2rayDat geoSite;

    /**
     * @param download whether a missing database may be downloaded now
     * @param notes what the user should read (a database check would have downloaded)
     * @param progress download progress lines
     */
    public HomeGeoData(GeoOptions options, Path home, boolean download, Consumer<String> notes,
                       Consumer<String> progress) {
        this(options, home, download, notes, progress, MISSING_DOWNLOAD_TIME);
    }

    /**
     * How long a missing database's download may take, as mihomo's downloadToPath allows it: the start waits on it
     * with its ports closed (a server trickling a byte every 5 s held one for Download's 10 minutes, then failed it).
     */
    static final java.time.Duration MISSING_DOWNLOAD_TIME = java.time.Duration.ofSeconds(90);

    HomeGeoData(GeoOptions options, Path home, boolean download, Consumer<String> notes, Consumer<String> progress,
                java.time.Duration missingDownloadTime) {
        this.missingDownloadTime = missingDownloadTime;
        this.options = options;
        this.home = home;
        this.download = download;
        this.notes = notes;
        this.progress = progress;
    }

    @Override
    public CountryLookup countries() throws GeoDataException {
        if (options.geodataMode()) {
            return null;
        }
        Path file = present(COUNTRY_MMDB, options.mmdbUrl(), HomeGeoData::checkMmdb);
        if (file == null) {
            return address -> null;
        }
        try {
            BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class);
            OpenCountries last = lastCountries;
            if (last != null && last.sameFile(file, now)) {
                return last.database(); // a reload of an unchanged file keeps its IPv4 table
            }
            MmdbDatabase db = MmdbDatabase.openCountries(file);
            lastCountries = new OpenCountries(file, now, db);
            return db;
        } catch (IOException | RuntimeException e) {
            throw notMmdb(file, e);
        }
    }

    @Override
    public List<String> countryRanges(String country) throws GeoDataException {
        if (geoIp == null) {
            Path file = present(GEOIP_DAT, options.geoIpUrl(), HomeGeoData::checkDat);
            if (file == null) {
                return List.of();
            }
            geoIp = dat(file);
        }
        try {
            return geoIp.ranges(country);
        } catch (IOException e) {
            throw new GeoDataException(e.getMessage());
        }
    }

    @Override
    public AsnLookup asns() throws GeoDataException {
        String name = !Files.exists(home.resolve(ASN_MMDB)) && Files.exists(home.resolve(MIHOMO_ASN_MMDB))
                ? MIHOMO_ASN_MMDB : ASN_MMDB;
        Path file = present(name, options.asnUrl(), HomeGeoData::checkMmdb);
        return file == null ? address -> 0 : mmdb(file);
    }

    @Override
    public boolean sitesPresent() {
        return !notedMissing.contains(GEOSITE_DAT);
    }

    @Override
    public List<GeoSiteDomain> site(String list) throws GeoDataException {
        if (geoSite == null) {
            Path file = present(GEOSITE_DAT, options.geoSiteUrl(), HomeGeoData::checkDat);
            if (file == null) {
                return List.of();
            }
            geoSite = dat(file);
        }
        try {
            return geoSite.site(list);
        } catch (IOException e) {
            throw new GeoDataException(e.getMessage());
        }
    }

    /**
     * The database's path once it is there (downloaded now if it may be); null when it is missing and may not be
     * downloaded, after a note saying what run will do.
     */
    private Path present(String name, String url, Download.Check check) throws GeoDataException {
        Path file = home.resolve(name);
        if (Files.exists(file)) {
            return file;
        }
        if (!download) {
            if (!notedMissing.add(name)) {
                return null; // said once for the file, not again for each list or rule that reads it
            }
            notes.accept(options.origin() + ": " + name + " is not in " + home + "; run will download it from " + url
                    + " (until then its rules match nothing here)");
            return null;
        }
        try {
            Download.fetch(url, file, Download.MAX_BYTES, missingDownloadTime, check, progress);
            return file;
        } catch (IOException | RuntimeException e) {
            throw new GeoDataException(name + " is not in " + home + " and downloading it from " + url + " failed ("
                    + e.getMessage() + "); put the file there or set geox-url");
        }
    }

    /**
     * {@code geo-auto-update}: downloads afresh each database the home folder holds (the ones rules used), each
     * checked and renamed over the old one; a failure keeps the old file.
     *
     * @return how many files were replaced: the caller reloads the routing so that new flows use them
     */
    public static int refresh(GeoOptions options, Path home, Consumer<String> progress, Consumer<String> problems) {
        int replaced = 0;
        String asn = !Files.exists(home.resolve(ASN_MMDB)) && Files.exists(home.resolve(MIHOMO_ASN_MMDB))
                ? MIHOMO_ASN_MMDB : ASN_MMDB;
        String[][] files = {
            {COUNTRY_MMDB, options.mmdbUrl()}, {GEOIP_DAT, options.geoIpUrl()}, {GEOSITE_DAT, options.geoSiteUrl()},
            {asn, options.asnUrl()}};
        for (String[] f : files) {
            Path file = home.resolve(f[0]);
            if (!Files.exists(file)) {
                continue;
            }
            try {
                Download.fetch(f[1], file, Download.MAX_BYTES,
                        f[0].endsWith(".mmdb") ? HomeGeoData::checkMmdb : HomeGeoData::checkDat, progress);
                replaced++;
            } catch (IOException | RuntimeException e) {
                problems.accept("geo update: " + f[0] + " could not be downloaded from " + f[1] + " ("
                        + e.getMessage() + "); keeping the one in " + home);
            }
        }
        return replaced;
    }

    /** How long a refresh may wait: the update interval less the age of the oldest database in the home folder. */
    public static long secondsUntilRefresh(GeoOptions options, Path home) {
        long interval = options.updateIntervalHours() * 3600L;
        long oldest = 0;
        for (String name : new String[] {COUNTRY_MMDB, GEOIP_DAT, GEOSITE_DAT, ASN_MMDB, MIHOMO_ASN_MMDB}) {
            try {
                long age = (System.currentTimeMillis() - Files.getLastModifiedTime(home.resolve(name)).toMillis()) / 1000;
                oldest = Math.max(oldest, age);
            } catch (IOException e) {
                // not there
            }
        }
        return Math.max(0, Math.min(interval, interval - oldest));
    }

    private static MmdbDatabase mmdb(Path file) throws GeoDataException {
        try {
            return MmdbDatabase.open(file);
        } catch (IOException | RuntimeException e) {
            throw notMmdb(file, e);
        }
    }

    /** A database as opened, with what identified its file then (a download renames a new file over it). */
    private record OpenCountries(Path file, BasicFileAttributes attributes, MmdbDatabase database) {
        boolean sameFile(Path other, BasicFileAttributes now) {
            return file.equals(other) && java.util.Objects.equals(attributes.fileKey(), now.fileKey())
                    && attributes.size() == now.size() && attributes.lastModifiedTime().equals(now.lastModifiedTime());
        }
    }

    private static GeoDataException notMmdb(Path file, Exception e) {
        return new GeoDataException(file + " is not a MaxMind database (" + e.getMessage() + ")");
    }

    private static V2rayDat dat(Path file) throws GeoDataException {
        try {
            return V2rayDat.open(file, Download.MAX_BYTES);
        } catch (IOException e) {
            throw new GeoDataException(e.getMessage());
        }
    }

    private static void checkMmdb(Path file) throws IOException {
        try {
            MmdbDatabase.open(file);
        } catch (IOException | RuntimeException e) {
            throw new IOException("what it sent is not a MaxMind database: " + e.getMessage(), e);
        }
    }

    private static void checkDat(Path file) throws IOException {
        if (V2rayDat.open(file, Download.MAX_BYTES).size() == 0) {
            throw new IOException("what it sent holds no geo data entries");
        }
    }
}
