package io.stellarchat.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.stellarchat.server.config.LoadedConfig;
import io.stellarchat.server.testing.LiveService;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/k8s} renders with kustomize ({@code kubectl kustomize}) and every object validates against the
 * Kubernetes API schema offline: the OpenAPI-generated models of the official Java client
 * ({@code io.kubernetes:client-java-api}), whose readers reject unknown fields, missing required fields and
 * wrong types. Then what the issue asks of the files: probes on /ready and /health, a grace period longer than
 * preStop plus the drain timeout, a PDB and Service that select the pods, an HPA on metrics StellarChat really
 * exports, a configuration StellarChat loads without a warning, and a heap that holds the KV cache.
 *
 * <p>Skipped, with the reason printed, when {@code kubectl} is not installed (it is no Debian package).
 */
class KubernetesManifestsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODELS = "io.kubernetes.client.openapi.models.";
    private static List<JsonNode> objects;
    private static Path root;
    @TempDir
    static Path dir;

    @BeforeAll
    static void render() throws Exception {
        root = Commands.root();
        Optional<Path> kubectl = Commands.onPath("kubectl");
        Commands.skipUnless(kubectl.isPresent(), "kubectl is not installed (it is no Debian package; it bundles kustomize)");
        List<String> cmd = List.of(kubectl.get().toString(), "kustomize", root.resolve("deploy/k8s").toString());
        String yaml = Commands.run(dir, 120, cmd).orFail(cmd).output();
        objects = new ArrayList<>();
        try (var docs = new YAMLMapper().readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc != null && !doc.isEmpty()) objects.add(doc);
            }
        }
    }

    @Test
    void everyRenderedObjectValidatesAgainstTheKubernetesSchema() throws Exception {
        List<String> kinds = objects.stream().map(o -> o.get("kind").asText()).sorted().toList();
        assertEquals(List.of("ConfigMap", "Deployment", "HorizontalPodAutoscaler", "Namespace", "PersistentVolumeClaim",
                "PodDisruptionBudget", "Secret", "Service", "ServiceAccount"), kinds);
        for (JsonNode o : objects) {
            validate(o);
            assertEquals("stellarchat", o.at("/metadata/namespace").asText(o.get("kind").asText().equals("Namespace") ? "stellarchat" : ""),
                    o.get("kind") + " in the namespace");
        }
    }

    @Test
    void theValidatorRejectsAnUnknownFieldAWrongTypeAndAMissingRequiredField() throws Exception {
        JsonNode deployment = object("Deployment");
        ObjectNode typo = deployment.deepCopy();
        ((ObjectNode) typo.at("/spec/template/spec/containers/0")).set("readinessProbes", typo.at("/spec/template/spec/containers/0/readinessProbe"));
        assertRejected(typo, "readinessProbes");

        ObjectNode wrongType = deployment.deepCopy();
        ((ObjectNode) wrongType.get("spec")).put("replicas", "two");
        assertRejected(wrongType, "");

        ObjectNode noPort = deployment.deepCopy();
        ((ObjectNode) noPort.at("/spec/template/spec/containers/0/livenessProbe/httpGet")).remove("port");
        assertRejected(noPort, "port");

        ObjectNode hpa = object("HorizontalPodAutoscaler").deepCopy();
        ((ObjectNode) hpa.at("/spec/metrics/0/pods/target")).put("averageUtilisation", 50);
        assertRejected(hpa, "averageUtilisation");
    }

    @Test
    void podsProbeReadyAndHealthAndOutliveTheirDrain() throws Exception {
        JsonNode pod = object("Deployment").at("/spec/template/spec");
        JsonNode c = pod.at("/containers/0");
        assertEquals("/ready", c.at("/readinessProbe/httpGet/path").asText());
        assertEquals("/health", c.at("/livenessProbe/httpGet/path").asText());
        assertEquals("http", c.at("/readinessProbe/httpGet/port").asText());
        assertEquals(8080, c.at("/ports/0/containerPort").asInt());
        assertEquals(10001, pod.at("/securityContext/runAsUser").asInt(), "the image's user");

        LoadedConfig config = config();
        long drain = config.config().server().drainTimeout().toSeconds();
        long preStop = c.at("/lifecycle/preStop/sleep/seconds").asLong();
        long grace = pod.get("terminationGracePeriodSeconds").asLong();
        assertTrue(grace > preStop + drain, "grace " + grace + " s > preStop " + preStop + " s + drain " + drain + " s");

        Map<String, String> podLabels = map(object("Deployment").at("/spec/template/metadata/labels"));
        assertTrue(podLabels.entrySet().containsAll(map(object("Service").at("/spec/selector")).entrySet()), "Service selects the pods");
        assertTrue(podLabels.entrySet().containsAll(map(object("PodDisruptionBudget").at("/spec/selector/matchLabels")).entrySet()),
                "PDB selects the pods");
        assertEquals(map(object("Deployment").at("/spec/selector/matchLabels")), map(object("PodDisruptionBudget").at("/spec/selector/matchLabels")));
        assertEquals("Deployment", object("HorizontalPodAutoscaler").at("/spec/scaleTargetRef/kind").asText());
        assertEquals(object("Deployment").at("/metadata/name").asText(), object("HorizontalPodAutoscaler").at("/spec/scaleTargetRef/name").asText());
    }

    @Test
    void configMapAndSecretAreAConfigurationStellarChatLoadsAndTheHeapHoldsTheKvCache() throws Exception {
        LoadedConfig loaded = config();
        assertTrue(loaded.config().database().url().startsWith("jdbc:postgresql://"), loaded.config().database().url());
        assertTrue(loaded.config().redis().url().reveal().startsWith("redis://"));
        assertEquals("0.0.0.0", loaded.config().server().host());
        assertEquals(8080, loaded.config().server().port());
        assertTrue(!loaded.config().server().apiKeys().isEmpty(), "a static admin key");
        for (String secretKey : List.of("STELLAR_DATABASE_PASSWORD", "STELLAR_REDIS_URL", "STELLAR_SERVER_API_KEYS")) {
            assertTrue(object("Secret").get("stringData").has(secretKey), secretKey + " is in the Secret");
            assertTrue(!object("ConfigMap").get("data").has(secretKey), secretKey + " is not in the ConfigMap");
        }

        String jvm = object("ConfigMap").at("/data/JDK_JAVA_OPTIONS").asText();
        Matcher xmx = Pattern.compile("-Xmx(\\d+)m").matcher(jvm);
        assertTrue(xmx.find(), jvm);
        long heap = Long.parseLong(xmx.group(1)) << 20;
        long kv = loaded.config().engine().kvCacheBytes();
        assertTrue(heap >= kv + (256L << 20), "heap " + heap + " holds the KV cache " + kv + " and more");
        JsonNode resources = object("Deployment").at("/spec/template/spec/containers/0/resources");
        long request = quantity(resources.at("/requests/memory").asText());
        long limit = quantity(resources.at("/limits/memory").asText());
        assertTrue(request >= heap + (256L << 20), "memory request " + request + " > heap " + heap + " + non-heap");
        assertTrue(limit >= request);
    }

    @Test
    void theAutoscalerScalesOnMetricsStellarChatExports() throws Exception {
        List<String> names = new ArrayList<>();
        object("HorizontalPodAutoscaler").at("/spec/metrics").forEach(m -> names.add(m.at("/pods/metric/name").asText()));
        assertEquals(List.of("stellar_engine_requests_waiting", "stellar_engine_requests_running"), names);
        // The names are the prometheus-adapter renames (README.md) of stellar_engine_requests{state=...}: scrape
        // a real StellarChat and find each series.
        try (LiveService live = new LiveService(dir.resolve("live"), List.of(LiveService.stories("stories", 0)))) {
            HttpResponse<String> metrics = live.get("/metrics", null);
            assertEquals(200, metrics.statusCode());
            for (String name : names) {
                String state = name.substring("stellar_engine_requests_".length());
                assertTrue(metrics.body().lines().anyMatch(l -> l.startsWith("stellar_engine_requests{") && l.contains("state=\"" + state + "\"")),
                        "stellar_engine_requests{state=\"" + state + "\"} on /metrics");
            }
        }
        String readme = java.nio.file.Files.readString(root.resolve("deploy/k8s/README.md"));
        for (String name : names) assertTrue(readme.contains(name), "README.md has the adapter rule for " + name);
    }

    private static LoadedConfig config() throws Exception {
        Map<String, String> env = new LinkedHashMap<>(map(object("ConfigMap").get("data")));
        env.putAll(map(object("Secret").get("stringData")));
        env.remove("JDK_JAVA_OPTIONS");
        return DeployConfig.load(root, env, dir);
    }

    /** Reads the object with the client's model class for its apiVersion and kind; the reader validates strictly. */
    private static void validate(JsonNode o) throws Exception {
        try {
            reader(o).invoke(null, JSON.writeValueAsString(o));
        } catch (InvocationTargetException e) {
            throw new AssertionError(o.get("kind").asText() + " " + o.at("/metadata/name").asText() + " is invalid: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static void assertRejected(JsonNode o, String mentioning) throws Exception {
        Method reader = reader(o);
        InvocationTargetException e = assertThrows(InvocationTargetException.class, () -> reader.invoke(null, JSON.writeValueAsString(o)));
        String message = String.valueOf(e.getCause().getMessage());
        assertTrue(message.contains(mentioning), "the error names '" + mentioning + "': " + message);
    }

    private static Method reader(JsonNode o) throws Exception {
        String apiVersion = o.get("apiVersion").asText();
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        String type = MODELS + Character.toUpperCase(version.charAt(0)) + version.substring(1) + o.get("kind").asText();
        return Class.forName(type).getMethod("fromJson", String.class);
    }

    private static JsonNode object(String kind) {
        return objects.stream().filter(o -> o.get("kind").asText().equals(kind)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " rendered"));
    }

    private static Map<String, String> map(JsonNode node) {
        Map<String, String> m = new LinkedHashMap<>();
        node.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    /** A Kubernetes memory quantity with a binary suffix (Mi, Gi) or none, in bytes. */
    private static long quantity(String q) {
        if (q.endsWith("Gi")) return Long.parseLong(q.substring(0, q.length() - 2)) << 30;
        if (q.endsWith("Mi")) return Long.parseLong(q.substring(0, q.length() - 2)) << 20;
        return Long.parseLong(q);
    }
}
