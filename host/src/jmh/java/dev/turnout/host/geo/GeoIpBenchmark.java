package dev.turnout.host.geo;

import dev.turnout.api.testing.CountryDatabase;
import dev.turnout.rules.AsnLookup;
import dev.turnout.rules.CountryLookup;
import dev.turnout.rules.Decision;
import dev.turnout.rules.GeoData;
import dev.turnout.rules.GeoSiteDomain;
import dev.turnout.rules.NameResolver;
import dev.turnout.rules.Network;
import dev.turnout.rules.Origin;
import dev.turnout.rules.Query;
import dev.turnout.rules.RuleLine;
import dev.turnout.rules.RuleSet;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * GEOIP on the country database the tests use (a GeoIP2-Country-shaped file, {@code .ci/test-deps.sh} builds it):
 * the lookup alone, and a whole decision of the tail every Loyalsoldier and ACL4SSR config ends with
 * ({@code GEOIP,LAN}, {@code GEOIP,CN}, {@code MATCH}), for IPv4 destinations drawn at random from the whole space.
 * {@code reader} is MaxMind's reader alone (the baseline), {@code table} the {@link CountryTable} IPv4 lookups use.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GeoIpBenchmark {

    @Param({"reader", "table"})
    public String lookup;

    private CountryLookup countries;
    private RuleSet rules;
    private InetAddress[] addresses;
    private Query[] queries;
    private int next;

    @Setup
    public void setUp() throws Exception {
        Path file = CountryDatabase.required();
        MmdbDatabase db = "table".equals(lookup) ? MmdbDatabase.openCountries(file) : MmdbDatabase.open(file);
        if ("table".equals(lookup) && !db.awaitTable(60_000)) {
            throw new IllegalStateException("no country table for " + file);
        }
        countries = "table".equals(lookup) ? db : db::readerCountry;
        List<RuleLine> lines = new ArrayList<>();
        for (String line : List.of("GEOIP,LAN,DIRECT", "GEOIP,CN,DIRECT", "MATCH,PROXY")) {
            lines.add(new RuleLine(line, new Origin("bench", lines.size() + 1, 1)));
        }
        rules = RuleSet.compile(lines, Map.of(), Set.of("PROXY"), new Countries(countries));
        Random random = new Random(16);
        addresses = new InetAddress[4096];
        queries = new Query[addresses.length];
        for (int i = 0; i < addresses.length; i++) {
            int a = random.nextInt();
            addresses[i] = InetAddress.getByAddress(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16),
                (byte) (a >>> 8), (byte) a});
            queries[i] = new Query(Network.TCP, null, addresses[i], 443, null, 0, null);
        }
    }

    @Benchmark
    public String country() {
        InetAddress a = addresses[next];
        next = (next + 1) & (addresses.length - 1);
        return countries.country(a);
    }

    @Benchmark
    public Decision decide() {
        Query q = queries[next];
        next = (next + 1) & (queries.length - 1);
        return rules.decide(q, NameResolver.NONE);
    }

    /** Geo data with only a country database. */
    private record Countries(CountryLookup lookup) implements GeoData {
        @Override
        public CountryLookup countries() {
            return lookup;
        }

        @Override
        public List<String> countryRanges(String country) {
            return List.of();
        }

        @Override
        public AsnLookup asns() {
            return address -> 0;
        }

        @Override
        public List<GeoSiteDomain> site(String list) {
            return List.of();
        }
    }
}
