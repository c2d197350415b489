package io.flywheel.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flywheel.llm.DecodingParams;
import io.flywheel.llm.CallLogText;
import io.flywheel.llm.LlmRequest;
import io.flywheel.llm.local.LocalClient;
import io.flywheel.prompt.PromptCatalog;
import io.flywheel.prompt.PromptTemplate;
import io.flywheel.summarize.SummaryCalls;
import io.flywheel.table.Table;
import io.flywheel.udfs.Hashing;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Deterministic dev/prod sample data for the skew job, with the drift planted and known: a dev set,
 * a production log ({@code llm_calls} rows as the summarize job writes them) whose inputs are
 * lower-cased, misspelled, longer, non-English or about topics dev never has, and whose outputs are
 * sometimes broken JSON; plus a control pair drawn from one distribution. Row {@code i} of a side
 * depends only on {@code (seed, side, i)}. Entry point: {@link #write}; layout and shares in
 * docs/sample-data.md#skew.
 */
public final class SkewGenerator implements Serializable {
  /** Dev/eval set columns: {@code input} is the item description, {@code output} the expected answer. */
  public static final StructType DEV_SCHEMA =
      StructType.fromDDL("example_id STRING, title STRING, category STRING, input STRING, output STRING");

  /** The prompt the production log's requests are rendered with (conf/prompts). */
  public static final String PROMPT_ID = "catalog_summary";
  public static final String MODEL = "flywheel-extractive-v2";
  public static final String JOB = "summarize";
  /** The item fields in the logged request, as summarize.input.columns.text in conf/local.yaml. */
  public static final List<String> ITEM_FIELDS = List.of("title", "brand", "category", "price", "description", "reviews");

  /** Shares of rows with each planted property; input kinds are exclusive, the rest independent. */
  public record Mix(double lowercase, double typos, double longer, double nonEnglish, double brokenJson, double newTopic)
      implements Serializable {
    public Mix {
      if (lowercase + typos + longer + nonEnglish > 1) {
        throw new IllegalArgumentException("input drift shares add up to more than 1");
      }
    }

    Map<String, Double> asMap() {
      Map<String, Double> m = new LinkedHashMap<>();
      m.put("lowercase", lowercase);
      m.put("typos", typos);
      m.put("longer", longer);
      m.put("non_english", nonEnglish);
      m.put("broken_json", brokenJson);
      m.put("new_topic", newTopic);
      return m;
    }
  }

  /** The base rates of messiness every side has (dev, and both control sides). */
  public static final Mix BASE = new Mix(0.03, 0.03, 0.05, 0.02, 0.01, 0.0);
  /** Production in the drifted pair. */
  public static final Mix DRIFTED = new Mix(0.20, 0.20, 0.20, 0.15, 0.15, 0.10);

  static final String[] TOPICS = {"electronics", "kitchen", "books", "toys", "garden", "sports", "clothing", "office"};
  /** Topics only production asks about: never in any dev row. */
  public static final List<String> NEW_TOPICS = List.of("automotive", "pharmacy");
  private static final Map<String, String[]> PRODUCTS = Map.of(
      "electronics", new String[] {"headphones", "charger", "speaker", "keyboard", "monitor"},
      "kitchen", new String[] {"blender", "kettle", "toaster", "frying pan", "knife set"},
      "books", new String[] {"novel", "cookbook", "atlas", "biography", "field guide"},
      "toys", new String[] {"puzzle", "kite", "board game", "plush bear", "building set"},
      "garden", new String[] {"garden hose", "planter", "bird feeder", "watering can", "shovel"},
      "sports", new String[] {"yoga mat", "water bottle", "bike light", "tennis racket", "dumbbell set"},
      "clothing", new String[] {"rain jacket", "wool socks", "fleece hoodie", "scarf", "sun hat"},
      "office", new String[] {"desk lamp", "notebook", "stapler", "office chair", "pen set"});
  private static final Map<String, String[]> NEW_PRODUCTS = Map.of(
      "automotive", new String[] {"brake pads", "wiper blades", "engine oil", "tire pump", "car battery"},
      "pharmacy", new String[] {"vitamin tablets", "allergy spray", "pain relief gel", "cough syrup", "thermometer"});
  /**
   * The descriptions of the new topics, written for them from the first word to the last (their own
   * brands, uses and advice), as items of a category the evaluation set never covered are: sharing the
   * dev template with only the product name changed would make them look covered. Every word is in
   * the shipped English word list, as the dev template's are, so a misspelling stays the only way a
   * description gets out-of-vocabulary words.
   */
  private static final Map<String, String[]> NEW_TOPIC_BRANDS = Map.of(
      "automotive", new String[] {"Piston", "Motorway", "Roadster"},
      "pharmacy", new String[] {"Remedy", "Willow", "Clover"});
  private static final Map<String, String[][]> NEW_TOPIC_SENTENCES = Map.of(
      "automotive", new String[][] {
        {"The %s %s fits most cars, vans and small trucks built since 2005.", "The %s %s suits petrol and diesel cars, vans and light trucks."},
        {"Check the vehicle manual for the right fit before you install it on the car.",
          "Compare the part number with your vehicle registration before ordering."},
        {"Mechanics advise replacing it every %d000 km or at each service.", "Replace it every %d000 km, or sooner after heavy towing."},
        {"Drivers report safer braking on wet roads and in winter traffic.", "Drivers report an easier engine start on cold mornings."},
        {"Fitting takes about %d minutes in a garage with basic tools.", "Any workshop can fit it in about %d minutes."}},
      "pharmacy", new String[][] {
        {"The %s %s gives fast relief from cold, flu and allergy symptoms.", "The %s %s eases sore throats, headaches and muscle pain."},
        {"Read the leaflet and ask a pharmacist before use if you take other medicine.",
          "Ask your doctor or pharmacist before use if you are pregnant or take other medicine."},
        {"Adults take one dose every %d hours, with no more than four doses a day.", "Take one dose every %d hours with water, after meals."},
        {"Keep out of the reach of children and store below 25 degrees.", "Store in a dry place below 25 degrees, away from children."},
        {"Not suitable for children under %d years without medical advice.", "Children under %d years should only use it on the advice of a doctor."}});
  private static final String[] BRANDS = {"Summit", "Harbor", "Maple", "Granite", "Beacon", "Falcon", "Juniper", "Cedar"};
  private static final String[] ADJECTIVES = {"compact", "durable", "lightweight", "versatile", "quiet", "sturdy", "portable"};
  private static final String[] USES = {"everyday use", "travel", "small apartments", "families", "beginners", "outdoor trips"};
  private static final String[] MATERIALS = {"recycled plastic", "stainless steel", "organic cotton", "bamboo", "aluminium"};
  private static final String[] QUALITIES = {"build quality", "design", "comfort", "value for money", "ease of use"};
  private static final String[] EXTRA = {
    "The customer wrote a long message with many details about the order and the delivery.",
    "It arrived in a plain box and the seller included a short note with care instructions.",
    "The first one stopped working after a week, so the store sent a replacement at no cost.",
    "The colour is a little darker than in the photos, but it matches the rest of the room.",
    "My family has used it every day for three months and we are still happy with the purchase.",
    "The instructions were easy to follow and the setup took less than ten minutes in total.",
    "Some reviews mention a faint smell when it is new, which went away after a couple of days.",
    "Please let me know if a larger size is planned, because the current one is a bit small for us."
  };
  private static final String[] NON_ENGLISH = {
    "Der %s %s ist ideal für den täglichen Gebrauch. Er ist sehr leicht und einfach zu reinigen. Die Qualität ist gut und der Preis ist fair.",
    "El %s %s es perfecto para el uso diario. Es muy ligero y fácil de limpiar. La calidad es buena y el precio es justo.",
    "Le %s %s est idéal pour un usage quotidien. Il est très léger et facile à nettoyer. La qualité est bonne et le prix est correct.",
    "この%s %sは毎日の使用に最適です。とても軽くて掃除が簡単です。品質が良く、価格も手頃です。"
  };
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Which side a row belongs to; salts the row's random stream so the sides never share rows. */
  public enum Side {
    DEV(1), PROD(2), CONTROL_DEV(3), CONTROL_PROD(4);

    final long salt;

    Side(long salt) {
      this.salt = salt;
    }
  }

  /** What was planted in one row. */
  record Plant(String kind, boolean brokenJson, boolean newTopic) {}

  private final long seed;
  private final PromptTemplate prompt;
  private final DecodingParams params = new DecodingParams(0.0, 1.0, 160, 0);

  public SkewGenerator(long seed, PromptTemplate prompt) {
    this.seed = seed;
    this.prompt = prompt;
  }

  /**
   * Writes the four sides as Delta tables under {@code out} ({@code dev}, {@code prod_llm_calls},
   * {@code control_dev}, {@code control_prod_llm_calls}) and {@code ground_truth.json} next to them;
   * returns the ground truth. The production calls are dated {@code runDate}.
   */
  public static Map<String, Object> write(
      SparkSession spark, String out, long devRows, long prodRows, long seed, LocalDate runDate, Path promptsDir) {
    SkewGenerator gen = new SkewGenerator(seed, PromptCatalog.load(promptsDir).get(PROMPT_ID));
    String base = out.endsWith("/") ? out.substring(0, out.length() - 1) : out;
    save(gen.devSet(spark, Side.DEV, devRows, BASE), base + "/dev");
    saveCalls(gen.callLog(spark, Side.PROD, prodRows, DRIFTED, runDate), base + "/prod_llm_calls");
    save(gen.devSet(spark, Side.CONTROL_DEV, devRows, BASE), base + "/control_dev");
    saveCalls(gen.callLog(spark, Side.CONTROL_PROD, prodRows, BASE, runDate), base + "/control_prod_llm_calls");
    Map<String, Object> truth = new LinkedHashMap<>();
    truth.put("seed", seed);
    truth.put("run_date", runDate.toString());
    truth.put("dev_rows", devRows);
    truth.put("prod_rows", prodRows);
    truth.put("prod_input_text", "field 'description' of the item JSON between <catalog_item> tags in the USER message of llm_calls.request");
    truth.put("prod_output_text", "llm_calls.response");
    truth.put("dev_topics", List.of(TOPICS));
    truth.put("new_topics", NEW_TOPICS);
    Map<String, Object> pairs = new LinkedHashMap<>();
    pairs.put("drifted", pair("dev", "prod_llm_calls", gen.realized(spark, Side.DEV, devRows, BASE),
        gen.realized(spark, Side.PROD, prodRows, DRIFTED), BASE, DRIFTED));
    pairs.put("control", pair("control_dev", "control_prod_llm_calls",
        gen.realized(spark, Side.CONTROL_DEV, devRows, BASE), gen.realized(spark, Side.CONTROL_PROD, prodRows, BASE),
        BASE, BASE));
    truth.put("pairs", pairs);
    try {
      io.flywheel.table.TextFile.write(spark, base + "/ground_truth.json", JSON.writerWithDefaultPrettyPrinter().writeValueAsString(truth));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the ground truth", e);
    }
    return truth;
  }

  /**
   * {@code flywheel generate --skew [--out DIR] [--dev-rows N] [--prod-rows N] [--seed S] [--run-date D]}:
   * writes both pairs under {@code DIR} (default: the folder of {@code skew.dev.path}), the
   * production calls dated {@code runDate}, and prints how to run the skew job on them.
   */
  public static Map<String, Object> run(SparkSession spark, io.flywheel.run.CliArgs args, LocalDate runDate,
      io.flywheel.config.FlywheelConfig config) {
    String devPath = config.skew().dev().path();
    String out = args.option("out", parentOf(devPath));
    long devRows = Long.parseLong(args.option("dev-rows", "1000"));
    long prodRows = Long.parseLong(args.option("prod-rows", "1500"));
    long seed = Long.parseLong(args.option("seed", "42"));
    long started = System.nanoTime();
    Map<String, Object> truth = write(spark, out, devRows, prodRows, seed, runDate, Path.of(config.summarize().promptsDir()));
    System.out.printf(Locale.ROOT, "generate: wrote the skew pairs (%d dev / %d prod rows, seed %d, calls dated %s) under %s"
            + " in %.1fs%n  run the job on the drifted pair: bin/flywheel skew --run-date %s --set skew.dev.path=%s/dev"
            + " --set skew.prod.path=%s/prod_llm_calls%n",
        devRows, prodRows, seed, runDate, out, (System.nanoTime() - started) / 1e9, runDate, out, out);
    return truth;
  }

  /** The folder holding {@code path}: a local path made absolute, a URI ({@code s3a://b/x/dev}) cut at its last slash. */
  static String parentOf(String path) {
    if (!io.flywheel.table.TextFile.isLocal(path)) {
      String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
      return p.substring(0, p.lastIndexOf('/'));
    }
    Path parent = io.flywheel.table.Warehouse.localPath(path).toAbsolutePath().normalize().getParent();
    return parent == null ? path : parent.toString();
  }

  private static Map<String, Object> pair(
      String devPath, String prodPath, Map<String, Long> dev, Map<String, Long> prod, Mix devMix, Mix prodMix) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("dev_path", devPath);
    p.put("prod_path", prodPath);
    Map<String, Object> planted = new LinkedHashMap<>();
    Map<String, Double> dm = devMix.asMap();
    Map<String, Double> pm = prodMix.asMap();
    for (String k : dm.keySet()) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("dev_share", dm.get(k));
      one.put("prod_share", pm.get(k));
      one.put("dev_rows", dev.get(k));
      one.put("prod_rows", prod.get(k));
      planted.put(k, one);
    }
    p.put("planted", planted);
    return p;
  }

  /** Partitioned as the warehouse's {@code llm_calls} table is. */
  private static void saveCalls(Dataset<Row> df, String path) {
    df.write().format("delta").mode("overwrite").option("overwriteSchema", "true")
        .partitionBy(Table.LLM_CALLS.partitionBy().toArray(String[]::new)).save(path);
  }

  private static void save(Dataset<Row> df, String path) {
    df.write().format("delta").mode("overwrite").option("overwriteSchema", "true").save(path);
  }

  /** The dev/eval set of {@code side}: rows {@code 0..n-1}. */
  public Dataset<Row> devSet(SparkSession spark, Side side, long n, Mix mix) {
    return rows(spark, n, DEV_SCHEMA, i -> devRow(side, i, mix));
  }

  /** The production log of {@code side} as {@code llm_calls} rows. */
  public Dataset<Row> callLog(SparkSession spark, Side side, long n, Mix mix, LocalDate runDate) {
    return rows(spark, n, Table.LLM_CALLS.schema(), i -> callRow(side, i, mix, runDate));
  }

  /** How many rows of {@code side} got each planted property, counted by Spark (any scale). */
  Map<String, Long> realized(SparkSession spark, Side side, long n, Mix mix) {
    StructType schema = StructType.fromDDL(
        "lowercase LONG, typos LONG, longer LONG, non_english LONG, broken_json LONG, new_topic LONG");
    Row sums = rows(spark, n, schema, i -> {
      Plant p = plant(side, i, mix);
      return RowFactory.create(flag(p.kind().equals("lowercase")), flag(p.kind().equals("typos")),
          flag(p.kind().equals("longer")), flag(p.kind().equals("non_english")), flag(p.brokenJson()), flag(p.newTopic()));
    }).groupBy().sum().first();
    Map<String, Long> m = new LinkedHashMap<>();
    String[] names = schema.fieldNames();
    for (int k = 0; k < names.length; k++) {
      m.put(names[k], sums.isNullAt(k) ? 0L : sums.getLong(k));
    }
    return m;
  }

  private static long flag(boolean b) {
    return b ? 1 : 0;
  }

  /** Row source for {@link #rows}: serializable so executors can run it. */
  interface RowOf extends Serializable {
    Row row(long i);
  }

  private static Dataset<Row> rows(SparkSession spark, long n, StructType schema, RowOf f) {
    int partitions = (int) Math.max(1, Math.min(200, n / 50_000 + spark.sparkContext().defaultParallelism()));
    return spark.range(0, n, 1, partitions)
        .mapPartitions(
            (MapPartitionsFunction<Long, Row>) ids -> {
              List<Row> out = new ArrayList<>();
              while (ids.hasNext()) {
                out.add(f.row(ids.next()));
              }
              return out.iterator();
            },
            Encoders.row(schema));
  }

  /** What row {@code i} of {@code side} plants; each property has its own random draw. */
  Plant plant(Side side, long i, Mix mix) {
    double u = CatalogGenerator.unit(seed, i, side.salt * 100 + 1);
    String kind = "none";
    double edge = mix.lowercase();
    if (u < edge) {
      kind = "lowercase";
    } else if (u < (edge += mix.typos())) {
      kind = "typos";
    } else if (u < (edge += mix.longer())) {
      kind = "longer";
    } else if (u < edge + mix.nonEnglish()) {
      kind = "non_english";
    }
    boolean broken = CatalogGenerator.unit(seed, i, side.salt * 100 + 2) < mix.brokenJson();
    boolean newTopic = CatalogGenerator.unit(seed, i, side.salt * 100 + 3) < mix.newTopic();
    return new Plant(kind, broken, newTopic);
  }

  /** The item of row {@code i}: title, brand, category, price, description, reviews, and the answer. */
  Map<String, String> item(Side side, long i, Mix mix) {
    Plant p = plant(side, i, mix);
    SplittableRandom r = new SplittableRandom(CatalogGenerator.mix(seed, i, side.salt * 100 + 7));
    String topic = p.newTopic() ? NEW_TOPICS.get(r.nextInt(NEW_TOPICS.size())) : TOPICS[r.nextInt(TOPICS.length)];
    String[] products = p.newTopic() ? NEW_PRODUCTS.get(topic) : PRODUCTS.get(topic);
    String product = products[r.nextInt(products.length)];
    String brand = p.newTopic() ? pick(r, NEW_TOPIC_BRANDS.get(topic)) : BRANDS[r.nextInt(BRANDS.length)];
    String description = p.newTopic() ? newTopicDescription(r, brand, product, topic) : englishDescription(r, brand, product);
    switch (p.kind()) {
      case "lowercase" -> description = description.toLowerCase(Locale.ROOT);
      case "typos" -> description = withTypos(r, description);
      case "longer" -> {
        StringBuilder b = new StringBuilder(description);
        for (int k = 0; k < 8 + r.nextInt(5); k++) {
          b.append(' ').append(EXTRA[r.nextInt(EXTRA.length)]);
        }
        description = b.toString();
      }
      case "non_english" -> description = String.format(Locale.ROOT, NON_ENGLISH[r.nextInt(NON_ENGLISH.length)], brand, product);
      default -> {}
    }
    String answer = answer(description, brand, product, topic);
    if (p.brokenJson()) {
      // A reply cut off mid-way, as when a model hits its token limit: never valid JSON.
      answer = answer.substring(0, answer.length() * 3 / 5);
    }
    Map<String, String> item = new LinkedHashMap<>();
    item.put("item_id", String.format(Locale.ROOT, "%s-%08d", side.name().toLowerCase(Locale.ROOT), i));
    item.put("title", brand + " " + Character.toUpperCase(product.charAt(0)) + product.substring(1));
    item.put("brand", brand);
    item.put("category", topic);
    item.put("price", String.format(Locale.ROOT, "%.2f", 5 + r.nextDouble() * 195));
    item.put("description", description);
    item.put("reviews", "Works as described.");
    item.put("answer", answer);
    return item;
  }

  Row devRow(Side side, long i, Mix mix) {
    Map<String, String> it = item(side, i, mix);
    return RowFactory.create(it.get("item_id"), it.get("title"), it.get("category"), it.get("description"), it.get("answer"));
  }

  Row callRow(Side side, long i, Mix mix, LocalDate runDate) {
    Map<String, String> it = item(side, i, mix);
    String request = requestJson(it);
    String response = it.get("answer");
    boolean ok = isJsonObject(response);
    String runId = "skew-sample-" + runDate;
    String requestKey = Hashing.sha256Parts(List.of(request));
    Timestamp created = Timestamp.from(runDate.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds((i * 7919) % 86_400));
    int inTokens = (request.length() + 3) / 4;
    return RowFactory.create(
        Hashing.sha256Parts(List.of(runId, requestKey)),
        runId, JOB, Date.valueOf(runDate), it.get("item_id"), 1,
        Hashing.sha256Parts(List.of("cache", requestKey)), requestKey,
        "local", MODEL, MODEL, PROMPT_ID, prompt.version(), request, response,
        ok ? "ok" : "guardrail_rejected", ok ? null : "guardrail:schema", ok ? null : "answer is not JSON",
        "stop", 1, inTokens, (response.length() + 3) / 4, 5L + (i % 40), 0.0, created,
        Date.valueOf(created.toInstant().atZone(ZoneOffset.UTC).toLocalDate()));
  }

  /**
   * The request as the summarize job logs it with the local provider and {@code llm.log_raw_text:
   * true} (the planted texts must reach the log unchanged): the prompt rendered with the job's own
   * variables, as the body the local provider records.
   */
  private String requestJson(Map<String, String> it) {
    List<String> values = new ArrayList<>();
    for (String f : ITEM_FIELDS) {
      values.add(it.get(f));
    }
    LlmRequest req = new LlmRequest(MODEL,
        prompt.render(SummaryCalls.promptVars(ITEM_FIELDS, values, "en", 700)), SummaryCalls.SCHEMA, params);
    return new CallLogText(true).request(new LocalClient(MODEL, 0).wire(req));
  }

  private static boolean isJsonObject(String s) {
    try {
      return JSON.readTree(s).isObject();
    } catch (IOException e) {
      return false;
    }
  }

  private static String englishDescription(SplittableRandom r, String brand, String product) {
    List<String> s = new ArrayList<>();
    s.add(String.format(Locale.ROOT, "The %s %s is a %s %s for %s.", brand, product, pick(r, ADJECTIVES), product, pick(r, USES)));
    s.add(String.format(Locale.ROOT, "It weighs %d g and measures %d x %d cm.", 50 + r.nextInt(3000), 5 + r.nextInt(60), 5 + r.nextInt(60)));
    s.add(String.format(Locale.ROOT, "Made from %s, it is built to last.", pick(r, MATERIALS)));
    if (r.nextBoolean()) {
      s.add(String.format(Locale.ROOT, "Customers praise its %s and %s.", pick(r, QUALITIES), pick(r, QUALITIES)));
    }
    s.add(String.format(Locale.ROOT, "It comes with a %d-year warranty.", 1 + r.nextInt(5)));
    return String.join(" ", s);
  }

  /** A description of a new topic: one of the two forms of each of its sentences, the last two sometimes left out. */
  private static String newTopicDescription(SplittableRandom r, String brand, String product, String topic) {
    String[][] sentences = NEW_TOPIC_SENTENCES.get(topic);
    List<String> s = new ArrayList<>();
    for (int k = 0; k < sentences.length; k++) {
      if (k >= 3 && r.nextInt(4) == 0) {
        continue;
      }
      String form = pick(r, sentences[k]);
      s.add(k == 0 ? String.format(Locale.ROOT, form, brand, product)
          : form.contains("%d") ? String.format(Locale.ROOT, form, 2 + r.nextInt(14)) : form);
    }
    return String.join(" ", s);
  }

  /** Swaps two inner letters of the first two words of six or more letters, then of about every third (never the first letter). */
  private static String withTypos(SplittableRandom r, String text) {
    String[] words = text.split(" ", -1);
    int done = 0;
    for (int k = 0; k < words.length; k++) {
      String w = words[k];
      int letters = 0;
      while (letters < w.length() && Character.isLetter(w.charAt(letters))) {
        letters++;
      }
      if (letters >= 6 && (done < 2 || r.nextInt(3) == 0)) {
        char[] c = w.toCharArray();
        int p = 1 + r.nextInt(letters - 3);
        char t = c[p];
        c[p] = c[p + 1];
        c[p + 1] = t;
        if (c[p] != c[p + 1]) {
          words[k] = new String(c);
          done++;
        }
      }
    }
    return String.join(" ", words);
  }

  private static String answer(String description, String brand, String product, String topic) {
    ObjectNode a = JSON.createObjectNode();
    int end = description.indexOf(". ");
    String first = end > 0 ? description.substring(0, end + 1) : description;
    a.put("summary", first.length() > 300 ? first.substring(0, 300) : first);
    ArrayNode f = a.putArray("key_features");
    f.add(brand);
    f.add(product);
    f.add(topic);
    return a.toString();
  }

  private static String pick(SplittableRandom r, String[] values) {
    return values[r.nextInt(values.length)];
  }
}
