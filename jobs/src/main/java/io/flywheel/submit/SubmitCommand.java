package io.flywheel.submit;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The {@code spark-submit} line of a Flywheel job for a standalone, YARN or Kubernetes master: the one
 * source of {@code bin/flywheel submit} and of {@code SubmitIT} (docs/submit.md says what each part is for).
 *
 * <p>Plain Java, no Spark: {@code java -cp flywheel-jobs.jar io.flywheel.submit.SubmitCommand [options] <job> [job args...]}
 * prints the line; {@code --null} prints the arguments (after {@code spark-submit}) separated by NUL bytes,
 * for a launcher to run them.
 */
public final class SubmitCommand {
  public static final String MAIN_CLASS = "io.flywheel.Main";
  public static final String EXTENSIONS = "io.delta.sql.DeltaSparkSessionExtension,io.flywheel.udfs.FlywheelExtensions";
  public static final String CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog";
  /**
   * The Java 17 module flags Spark 4 needs (the same list as {@code spark.jvm.flags} in the root
   * {@code pom.xml} and {@code FLAGS} in {@code bin/flywheel}), for the driver and every executor.
   */
  public static final List<String> JAVA_17_FLAGS = List.of(
      "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
      "--add-opens=java.base/sun.security.action=ALL-UNNAMED", "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
      "-Djdk.reflect.useDirectMethodHandle=false", "-Dio.netty.tryReflectionSetAccessible=true");

  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./\\[\\]*-]+");
  private static final Pattern UNQUOTED_SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

  /** What kind of cluster a master URL names. */
  public enum Cluster { STANDALONE, YARN, KUBERNETES, LOCAL }

  /**
   * Everything the line is made of.
   *
   * @param master the Spark master URL ({@code spark://h:7077}, {@code yarn}, {@code k8s://https://h:443}, {@code local[*]})
   * @param deployMode {@code client} or {@code cluster}; blank: cluster on YARN and Kubernetes, client elsewhere
   * @param jar the shaded Flywheel jar ({@code local:///...} for one inside a Kubernetes image)
   * @param propertiesFile a spark-defaults file with the cluster's settings, or null
   * @param image the container image (Kubernetes), or null
   * @param namespace the Kubernetes namespace, or null
   * @param serviceAccount the driver's Kubernetes service account, or null
   * @param extraConf further {@code --conf} settings, in order
   * @param job the job's name
   * @param jobArgs the job's arguments ({@code --conf FILE}, {@code --run-date}, {@code --set}...)
   */
  public record Settings(String master, String deployMode, String jar, String propertiesFile, String image,
      String namespace, String serviceAccount, Map<String, String> extraConf, String job, List<String> jobArgs) {}

  private SubmitCommand() {}

  public static Cluster cluster(String master) {
    if (master.startsWith("spark://")) {
      return Cluster.STANDALONE;
    }
    if (master.equals("yarn")) {
      return Cluster.YARN;
    }
    if (master.startsWith("k8s://")) {
      return Cluster.KUBERNETES;
    }
    if (master.startsWith("local")) {
      return Cluster.LOCAL;
    }
    throw new IllegalArgumentException("unknown Spark master '" + master
        + "': expected spark://HOST:PORT, yarn, k8s://https://HOST:PORT or local[N]");
  }

  /** The arguments after {@code spark-submit}, in the order a person reads them. */
  public static List<String> arguments(Settings s) {
    Cluster cluster = cluster(s.master());
    String deployMode = blank(s.deployMode())
        ? (cluster == Cluster.YARN || cluster == Cluster.KUBERNETES ? "cluster" : "client") : s.deployMode();
    if (!deployMode.equals("client") && !deployMode.equals("cluster")) {
      throw new IllegalArgumentException("deploy mode '" + deployMode + "': expected client or cluster");
    }
    if (cluster == Cluster.LOCAL && deployMode.equals("cluster")) {
      throw new IllegalArgumentException("deploy mode 'cluster' needs a cluster master, not '" + s.master() + "'");
    }
    List<String> args = new ArrayList<>(List.of("--master", s.master(), "--deploy-mode", deployMode,
        "--name", "flywheel-" + s.job() + runDateSuffix(s.jobArgs()), "--class", MAIN_CLASS));
    if (s.propertiesFile() != null) {
      args.addAll(List.of("--properties-file", s.propertiesFile()));
    }
    List<String> jobArgs = new ArrayList<>(s.jobArgs());
    // On YARN in cluster mode the driver runs in a container: ship the config and name it as it lands there.
    int confAt = jobArgs.indexOf("--conf");
    if (cluster == Cluster.YARN && deployMode.equals("cluster") && confAt >= 0 && confAt + 1 < jobArgs.size()) {
      String file = jobArgs.get(confAt + 1);
      args.addAll(List.of("--files", file));
      jobArgs.set(confAt + 1, Path.of(file).getFileName().toString());
    }
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.sql.extensions", EXTENSIONS);
    conf.put("spark.sql.catalog.spark_catalog", CATALOG);
    conf.put("spark.driver.extraJavaOptions", String.join(" ", JAVA_17_FLAGS));
    conf.put("spark.executor.extraJavaOptions", String.join(" ", JAVA_17_FLAGS));
    if (cluster == Cluster.KUBERNETES) {
      if (blank(s.image()) && !propertiesSet(s.propertiesFile(), "spark.kubernetes.container.image")) {
        throw new IllegalArgumentException("a Kubernetes master needs a container image: set FLYWHEEL_K8S_IMAGE, pass --image, "
            + "or put spark.kubernetes.container.image in the properties file");
      }
      if (!blank(s.image())) {
        conf.put("spark.kubernetes.container.image", s.image());
      }
      if (!blank(s.namespace())) {
        conf.put("spark.kubernetes.namespace", s.namespace());
      }
      if (!blank(s.serviceAccount())) {
        conf.put("spark.kubernetes.authenticate.driver.serviceAccountName", s.serviceAccount());
      }
    }
    conf.putAll(s.extraConf());
    conf.forEach((k, v) -> args.addAll(List.of("--conf", k + "=" + v)));
    args.add(s.jar());
    args.add(s.job());
    args.addAll(jobArgs);
    return args;
  }

  /** The line as a shell reads it: {@code spark-submit}, one option per line, every argument quoted where needed. */
  public static String render(List<String> arguments) {
    StringBuilder sb = new StringBuilder("spark-submit");
    boolean jarSeen = false;
    for (int i = 0; i < arguments.size(); i++) {
      String a = arguments.get(i);
      boolean option = a.startsWith("--") && !jarSeen && i + 1 < arguments.size();
      sb.append(" \\\n  ").append(quote(a));
      if (option) {
        sb.append(' ').append(quote(arguments.get(++i)));
      } else if (!jarSeen) {
        jarSeen = true; // the jar, then the job and its arguments on one line
        for (i++; i < arguments.size(); i++) {
          sb.append(' ').append(quote(arguments.get(i)));
        }
      }
    }
    return sb.append('\n').toString();
  }

  /** {@code s} as one shell word: as is when it holds only safe characters, otherwise in single quotes. */
  public static String quote(String s) {
    if (!s.isEmpty() && UNQUOTED_SAFE.matcher(s).matches()) {
      return s;
    }
    return "'" + s.replace("'", "'\"'\"'") + "'";
  }

  private static String runDateSuffix(List<String> jobArgs) {
    int at = jobArgs.indexOf("--run-date");
    return at >= 0 && at + 1 < jobArgs.size() && SAFE.matcher(jobArgs.get(at + 1)).matches() ? "-" + jobArgs.get(at + 1) : "";
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static Properties properties(String file) {
    Properties p = new Properties();
    if (file == null) {
      return p;
    }
    // spark-defaults files are key, whitespace, value: what java.util.Properties reads too.
    try (var in = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the properties file " + file, e);
    }
    return p;
  }

  private static boolean propertiesSet(String file, String key) {
    return !blank(properties(file).getProperty(key));
  }

  /**
   * Reads the settings from {@code args} (options before the job name) and the environment: {@code --master}
   * or {@code FLYWHEEL_MASTER} (else {@code spark.master} of the properties file), {@code --deploy-mode} or
   * {@code FLYWHEEL_DEPLOY_MODE}, {@code --properties-file} or {@code FLYWHEEL_SPARK_PROPERTIES},
   * {@code --jar} or {@code FLYWHEEL_JAR}, {@code --image} or {@code FLYWHEEL_K8S_IMAGE},
   * {@code FLYWHEEL_K8S_NAMESPACE}, {@code FLYWHEEL_K8S_SERVICE_ACCOUNT}, {@code --conf-spark k=v} (repeatable).
   */
  public static Settings parse(List<String> args, Map<String, String> env, String defaultJar) {
    Map<String, String> opts = new LinkedHashMap<>();
    Map<String, String> extra = new LinkedHashMap<>();
    int i = 0;
    while (i < args.size() && args.get(i).startsWith("--")) {
      String name = args.get(i);
      if (i + 1 >= args.size()) {
        throw new IllegalArgumentException(name + " needs a value");
      }
      String value = args.get(i + 1);
      switch (name) {
        case "--master", "--deploy-mode", "--properties-file", "--jar", "--image" -> opts.put(name, value);
        case "--conf-spark" -> {
          int eq = value.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException("--conf-spark '" + value + "': expected key=value");
          }
          extra.put(value.substring(0, eq), value.substring(eq + 1));
        }
        default -> throw new IllegalArgumentException("unknown submit option " + name
            + " (submit options: --master, --deploy-mode, --properties-file, --jar, --image, --conf-spark k=v)");
      }
      i += 2;
    }
    if (i >= args.size()) {
      throw new IllegalArgumentException("no job named: flywheel submit [options] <job> [job args...]");
    }
    String properties = pick(opts.get("--properties-file"), env.get("FLYWHEEL_SPARK_PROPERTIES"));
    if (properties != null && !Files.isRegularFile(Path.of(properties))) {
      throw new IllegalArgumentException("properties file " + properties + " does not exist (--properties-file or FLYWHEEL_SPARK_PROPERTIES)");
    }
    String master = pick(pick(opts.get("--master"), env.get("FLYWHEEL_MASTER")), properties(properties).getProperty("spark.master"));
    if (master == null) {
      throw new IllegalArgumentException("no Spark master: set FLYWHEEL_MASTER or pass --master "
          + "(spark://HOST:7077, yarn, k8s://https://HOST:443), or put spark.master in the properties file");
    }
    String deployMode = pick(pick(opts.get("--deploy-mode"), env.get("FLYWHEEL_DEPLOY_MODE")),
        properties(properties).getProperty("spark.submit.deployMode"));
    return new Settings(master.trim(), deployMode, pick(pick(opts.get("--jar"), env.get("FLYWHEEL_JAR")), defaultJar),
        properties, pick(opts.get("--image"), env.get("FLYWHEEL_K8S_IMAGE")), env.get("FLYWHEEL_K8S_NAMESPACE"),
        env.get("FLYWHEEL_K8S_SERVICE_ACCOUNT"), extra, args.get(i), args.subList(i + 1, args.size()));
  }

  private static String pick(String first, String second) {
    return first != null && !first.isBlank() ? first : second;
  }

  /**
   * {@code [--null] [--default-jar PATH] [submit options] <job> [job args...]}: prints the line, or with
   * {@code --null} the arguments separated by NUL bytes. Exit 2 with one {@code flywheel:} line on bad input.
   */
  public static void main(String[] argv) {
    List<String> args = new ArrayList<>(List.of(argv));
    boolean nul = false;
    String defaultJar = "jobs/target/flywheel-jobs.jar";
    while (!args.isEmpty() && (args.get(0).equals("--null") || args.get(0).equals("--default-jar"))) {
      if (args.remove(0).equals("--null")) {
        nul = true;
      } else if (!args.isEmpty()) {
        defaultJar = args.remove(0);
      }
    }
    PrintStream out = System.out;
    try {
      List<String> line = arguments(parse(args, System.getenv(), defaultJar));
      if (nul) {
        for (String a : line) {
          out.print(a);
          out.print('\0');
        }
      } else {
        out.print(render(line));
      }
      out.flush();
    } catch (IllegalArgumentException | UncheckedIOException e) {
      System.err.println("flywheel: submit: " + e.getMessage());
      System.exit(2);
    }
  }
}
