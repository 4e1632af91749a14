"""A calculator for calc.chatsocket: one expression per line in, its value out (errors on stderr).
Only numbers, + - * / // % **, parentheses and a few functions: nothing else of Python is reachable."""
import ast
import math
import operator
import sys

OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
             ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
             ast.USub: operator.neg, ast.UAdd: operator.pos}
FUNCTIONS = {"sqrt": math.sqrt, "sin": math.sin, "cos": math.cos, "log": math.log, "abs": abs, "round": round}
NAMES = {"pi": math.pi, "e": math.e}


def value(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        left, right = value(node.left), value(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 1000:
            raise ValueError("exponent too large")
        return OPERATORS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in OPERATORS:
        return OPERATORS[type(node.op)](value(node.operand))
    if isinstance(node, ast.Name) and node.id in NAMES:
        return NAMES[node.id]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
        return FUNCTIONS[node.func.id](*[value(a) for a in node.args])
    raise ValueError("not something I can compute")


print("calculator ready: try 2 * (3 + 4), sqrt(2) or pi / 2", flush=True)
for line in sys.stdin:
    text = line.strip()
    if not text:
        continue
    if text in ("quit", "exit"):
        print("bye", flush=True)
        break
    try:
        print("%s = %s" % (text, value(ast.parse(text, mode="eval").body)), flush=True)
    except Exception as error:  # any mistake in the expression is the user's to see
        print("%s: %s" % (text, error), file=sys.stderr, flush=True)
