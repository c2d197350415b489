package io.flywheel.udfs;

import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.classic.UserDefinedFunctionUtils;
import org.apache.spark.sql.errors.QueryCompilationErrors;
import org.apache.spark.sql.expressions.SparkUserDefinedFunction;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * One Flywheel SQL function: its name, implementation, return type and documentation, the single
 * source of its registration, its {@code DESCRIBE FUNCTION} entry and its row in docs/functions.md.
 *
 * @param name SQL name ({@code flywheel_*}, or a deprecated {@code fw_*} alias)
 * @param implementation class whose code computes it (shown as "Class:" by DESCRIBE FUNCTION)
 * @param udf the one-argument Java UDF
 * @param returnType what it returns
 * @param argument the argument's name, as in {@code flywheel_normalize(text)}
 * @param argumentDoc what the argument is
 * @param description what it returns, one or two sentences; may hold {@code `code`}
 * @param example an SQL expression calling it, {@code _FUNC_} standing for the name
 * @param exampleResult {@code CAST(example AS STRING)} as Spark gives it, {@code NULL} for null
 * @param group Spark's function group ({@code string_funcs}, {@code misc_funcs}, ...)
 * @param see a page of docs/ (with anchor) that says more, or empty
 * @param replacement for a deprecated alias, the function to use instead; otherwise empty
 */
public record SqlFunction(
    String name,
    Class<?> implementation,
    UserDefinedFunction udf,
    DataType returnType,
    String argument,
    String argumentDoc,
    String description,
    String example,
    String exampleResult,
    String group,
    String see,
    String replacement) {

  /** Version of Flywheel that introduced the {@code flywheel_*} names. */
  public static final String SINCE = "0.1.0";
  /** Version that will drop the deprecated {@code fw_*} aliases. */
  public static final String ALIASES_REMOVED_IN = "0.2.0";

  /** The same function under an older name, documented as deprecated in favour of this one. */
  public SqlFunction deprecatedAlias(String oldName) {
    return new SqlFunction(oldName, implementation, udf, returnType, argument, argumentDoc,
        "Deprecated alias of `" + name + "`, removed in " + ALIASES_REMOVED_IN + ": " + description,
        example, exampleResult, group, see, name);
  }

  public boolean deprecated() {
    return !replacement.isEmpty();
  }

  /** {@code flywheel_normalize(text)}. */
  public String signature() {
    return name + "(" + argument + ")";
  }

  /** The example with the function's name in place of {@code _FUNC_}. */
  public String exampleSql() {
    return example.replace("_FUNC_", name);
  }

  /** The return type as DDL; a struct of more than four fields is shortened to its field count. */
  public String returnTypeSql() {
    if (returnType instanceof StructType s && s.fields().length > 4) {
      return "STRUCT of " + s.fields().length + " fields";
    }
    return returnType.sql();
  }

  public FunctionIdentifier identifier() {
    return FunctionIdentifier.apply(name);
  }

  /** What {@code DESCRIBE FUNCTION [EXTENDED]} shows: usage, arguments, example, since, deprecation. */
  public ExpressionInfo info() {
    String usage = "_FUNC_(" + argument + ") - " + plain(description) + " Returns " + returnType.sql() + ".";
    String arguments = "\n    Arguments:\n      * " + argument + " - " + plain(argumentDoc) + "\n  ";
    String examples = "\n    Examples:\n      > SELECT " + example + ";\n       " + exampleResult + "\n  ";
    String note = see.isEmpty() ? "" : "\n    See docs/" + see + " in the Flywheel repository.\n  ";
    String deprecation = deprecated()
        ? "\n    Deprecated since " + SINCE + ", removed in " + ALIASES_REMOVED_IN + ": use " + replacement + ".\n  "
        : "";
    return new ExpressionInfo(implementation.getName(), null, name, usage, arguments, examples, note, group,
        SINCE, deprecation, "java_udf");
  }

  /** Builds the expression for one call: the Java UDF applied to the one argument. */
  public Expression build(Seq<Expression> children) {
    if (children.size() != 1) {
      // Spark's own WRONG_NUM_ARGS error (an AnalysisException), declared as Throwable in Scala.
      throw sneaky(QueryCompilationErrors.wrongNumArgsError(
          name, CollectionConverters.asScala(java.util.List.<Object>of(1)).toSeq(), children.size(), "", "", ""));
    }
    // What Spark's own UDFRegistration builds for a registered UDF: a ScalaUDF over the arguments.
    return UserDefinedFunctionUtils.toScalaUDF((SparkUserDefinedFunction) udf.withName(name), children);
  }

  /** {@code scala.Function1} form of {@link #build}, as Spark's function registry takes it. */
  public scala.Function1<Seq<Expression>, Expression> builder() {
    return new Builder(this);
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
    throw (T) t;
  }

  /** Text without Markdown backticks, for DESCRIBE FUNCTION. */
  static String plain(String markdown) {
    return markdown.replace("`", "");
  }

  private static final class Builder extends scala.runtime.AbstractFunction1<Seq<Expression>, Expression>
      implements java.io.Serializable {
    private final SqlFunction f;

    Builder(SqlFunction f) {
      this.f = f;
    }

    @Override
    public Expression apply(Seq<Expression> children) {
      return f.build(children);
    }
  }
}
