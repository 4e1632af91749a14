#!/usr/bin/env python3
"""Generate native/compat's interface declarations from the MSVC vtable table.

Run by hand when the table changes; the outputs are committed:
  python3 scripts/gen-compat.py [path/to/iis-vtable-msvc.json]

Writes
  native/compat/httpserv_interfaces.h  every interface, methods in MSVC slot order
  native/compat/httpserv_iids.h        cs_iid<T>() for every interface with an IID
  native/compat/vtable_slots.json      the slots of what we declare (name, slot, params, const)
  native/compat/httpserv_stubs.h       CsStub<Interface><Derived>: every slot implemented, "not implemented"
  native/compat/tests/own_slots.inc    one entry per declared method, for the slot-order test

Why generated: g++ lays out virtual functions in declaration order, MSVC puts adjacent
overloads in reverse order. The table gives the MSVC slot of every method, so emitting
each class's methods sorted by slot reproduces MSVC's layout under the Itanium ABI.
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_TABLE = "/work/shared/reference/iis-vtable-msvc.json"
OUT = os.path.join(ROOT, "native", "compat")

# Interface IDs (the __declspec(uuid) of each class in the SDK). Facts, one per line.
IIDS = {
    "IHttpStoredContext": "f1927f76-790e-4ccb-a72e-396bdfdae05d",
    "IHttpModuleContextContainer": "d7fad7c9-aa27-4ab9-bd60-e55ccba3f5dc",
    "INamedContextContainer": "16db6f7c-1a94-47ca-a8e8-fea6005ff3ba",
    "IDispensedHttpModuleContextContainer": "2ae49359-95dd-4e48-ae20-c0cb9d0bc03a",
    "IHttpPerfCounterInfo": "bdfc4c4a-12a4-4744-87d8-765eb320c59f",
    "IHttpApplication": "3f75d9e6-1075-422c-ad89-93a85f2d7bdc",
    "IHttpApplication2": "311a3b7a-b673-4a1c-8349-2e98a23cadcb",
    "IHttpUrlInfo": "7e0e6167-0094-49a1-8287-ecf6dc6e73a6",
    "IScriptMapInfo": "d7fe3d77-68bc-4d4a-851f-eec9fb68017c",
    "IHttpTokenEntry": "fd86e6de-fb0e-47dd-820a-e0da12be46e9",
    "IMetadataInfo": "48b10633-825d-495e-93b0-225380053e8e",
    "IReferencedMetadataInfo": "3fc5c336-9ad7-45ea-af2f-31b59302c9fe",
    "IHttpRequest": "e8698f7e-576e-4cac-a309-67435355faef",
    "IHttpRequest2": "d9244ae1-51f8-4aa1-a66d-19277c33e610",
    "IHttpRequest3": "b32e4e0f-4057-4feb-aeab-7b69c03c6314",
    "IHttpRequest4": "3816f517-f631-49f0-8b51-16d6f0c6ffb2",
    "IHttpCachePolicy": "cb1c40ca-70f2-41a0-add2-881f5ef57388",
    "IHttpCachePolicy2": "9f4ba807-050e-4495-ae55-8870f7e9194a",
    "IHttpResponse": "7e1c6b38-628f-4e6c-95dc-41237eb7f95e",
    "IHttpResponse2": "0822c871-f14e-4974-a1e6-5b3c1f09b76a",
    "IHttpResponse3": "19578e49-d080-45da-b673-96cb475d3c5d",
    "IHttpResponse4": "1a2acc57-cae2-4f28-b4ab-00c8f96b12ec",
    "IHttpUser": "8059e6f8-10ce-4d61-b47e-5a1d8d9a8b67",
    "IHttpConnectionStoredContext": "841d9a71-75f4-4626-8b97-66046ca7e45b",
    "IHttpConnectionModuleContextContainer": "f3dd2fb3-4d11-4295-b8ab-4cb667add1fe",
    "IHttpConnection": "d9a5de00-3346-4599-9826-fe88565e1226",
    "IHttpFileInfo": "71e95595-8c74-44d9-88a9-f5112d5f5900",
    "IHttpSite": "eb16a6ec-ba5d-436f-bf24-3ede13906450",
    "ICustomNotificationProvider": "671e6d34-9380-4df4-b453-91129df02b24",
    "IHttpEventProvider": "6f3f657d-2fb8-43c6-a096-5064b41f0580",
    "IHttpContext": "424c1b8c-a1ba-44d7-ac98-9f8f457701a5",
    "IHttpContext2": "c986182c-cf4a-4482-8205-0dbbc1fd6cee",
    "IHttpContext3": "bf53c022-ca4b-4349-a38e-a4b78ad897fb",
    "IHttpContext4": "2c9463d8-4ec4-4622-8917-d486321a9443",
    "IHttpTraceContext": "9f9098d5-915c-4294-a52e-66532a232bc9",
    "IHttpCacheSpecificData": "37776aff-852e-4eec-93a5-b85a285a95b8",
    "IHttpCacheKey": "cdef2aad-20b3-4512-b1b1-094b3844aeb2",
    "IHttpFileMonitor": "985422da-b0cf-473b-ba9e-8148ceb3e240",
    "IHttpServer": "eda2a40f-fb92-4d6d-b52b-c8c207380b4e",
    "IHttpServer2": "34af637e-afe8-4556-bcc1-767f8e0b4a4e",
    "IHttpServer3": "f7a66d59-c0a2-48b5-a88f-be5975c960fb",
    "IHttpCompletionInfo": "49dd20e3-d9c0-463c-8821-f3413b55cc00",
    "IHttpCompletionInfo2": "53129f70-0196-47ec-b16c-127906e2afeb",
    "IAuthenticationProvider": "304d51d0-0307-45ed-83fd-dd3fc032fdfc",
    "IMapHandlerProvider": "fea3ce6b-e346-47e7-b2a6-ad265baeff2c",
    "IMapPathProvider": "8efdf557-a8f1-4bc9-b462-6df3b038a59a",
    "ISendResponseProvider": "57f2e7bc-0bcf-4a9f-94a4-10e55c6e5b51",
    "IReadEntityProvider": "fe6d905a-99b8-49fd-b389-cfc809562b81",
    "IPreBeginRequestProvider": "fb715d26-aff9-476a-8fc0-6b1acb3d1098",
    "IHttpApplicationProvider": "1de2c71c-c126-4512-aed3-f4f885e14997",
    "IHttpApplicationResolveModulesProvider": "0617d9b9-e20f-4a9f-94f9-35403b3be01e",
    "IGlobalRSCAQueryProvider": "63fdc43f-934a-4ee5-bcd8-7e7b50b75605",
    "IGlobalStopListeningProvider": "41f9a601-e25d-4ac8-8a1f-635698a30ab9",
    "ICacheProvider": "58925fb9-7c5e-4684-833b-4a04e1286690",
    "IGlobalConfigurationChangeProvider": "3405f3b4-b3d6-4b73-b5f5-4d8a3cc642ce",
    "IGlobalFileChangeProvider": "ece31ee5-0486-4fb0-a875-6739a2d7daf5",
    "IGlobalTraceEventProvider": "7c6bb150-0310-4718-a01f-6faceb62dc1d",
    "IGlobalThreadCleanupProvider": "6b36a149-8620-45a0-8197-00814a706e2e",
    "IGlobalApplicationPreloadProvider": "2111f8d6-0c41-4ff7-bd45-5c04c7e91a73",
    "IGlobalApplicationPreloadProvider2": "251db2dd-81e7-44ce-ae02-46529f2d71ea",
    "IGlobalSuspendProcessCallback": "7fd8f303-1031-4e50-918a-b7b916fd6c54",
    "IModuleAllocator": "85c1679c-0b21-491c-afb5-c7b5c86464c4",
    "IHttpModuleFactory": "ba32d330-9ea8-4b9e-89f1-8c76a323277f",
    "IHttpModuleRegistrationInfo": "07e5beb3-b798-459d-a98a-e6c485b2b3bc",
    "IHttpModuleRegistrationInfo2": "4fd11cbf-8cc5-418e-8000-c9e765f88533",
}

# Concrete base classes: their non-pure methods get default bodies here.
DEFAULT_RESULT = {"CHttpModule": "RQ_NOTIFICATION_CONTINUE", "CGlobalModule": "GL_NOTIFICATION_CONTINUE"}

HEADER_NOTE = "// GENERATED by scripts/gen-compat.py from iis-vtable-msvc.json. Do not edit by hand.\n"


def bases_of(name, methods):
    """The chain of classes that declare this class's slots, base first."""
    chain = []
    for m in methods:
        if m["declared_in"] not in chain:
            chain.append(m["declared_in"])
    return chain


def own_methods(name, methods):
    return sorted((m for m in methods if m["declared_in"] == name), key=lambda m: m["slot"])


def param_decl(sdk_type, pname, default):
    """'PCSTR [HttpHeaderRequestMaximum]' + name -> 'PCSTR name[HttpHeaderRequestMaximum]'."""
    arr = re.search(r"\s*(\[.*\])$", sdk_type)
    if arr:
        text = "%s %s%s" % (sdk_type[: arr.start()].strip(), pname, arr.group(1))
    else:
        text = "%s %s" % (sdk_type, pname)
    if default is not None:
        text += " = " + default
    return text


def method_decl(cls, m):
    if m["name"].startswith("~"):
        return None
    params = ", ".join(param_decl(t, n, d) for t, n, d in
                       zip(m["params_sdk"], m["param_names"], m["param_defaults"]))
    const = " const" if m["const"] else ""
    head = "    virtual %s %s(%s)%s" % (m["ret_sdk"], m["name"], params, const)
    if m["pure"]:
        return head + " = 0;"
    if m["name"] == "Dispose":
        return head + " { delete this; }"
    unused = "".join(" (void)%s;" % n for n in m["param_names"])
    return head + " {%s cs_compat_not_overridden(\"%s::%s\"); return %s; }" % (
        unused, cls, m["name"], DEFAULT_RESULT[cls])


def emit_class(name, methods):
    chain = bases_of(name, methods)
    base = chain[-2] if len(chain) > 1 else None
    lines = ["class %s%s" % (name, " : public " + base if base else ""), "{", "public:"]
    for m in own_methods(name, methods):
        decl = method_decl(name, m)
        if decl:
            lines.append("    // slot %d" % m["slot"])
            lines.append(decl)
    if name == "CHttpModule":
        lines += ["", "protected:", "    CHttpModule() {}", "    // last slot (MSVC: one, g++: two); IIS calls Dispose, never this",
                  "    virtual ~CHttpModule() {}"]
    lines.append("};")
    return "\n".join(lines)


def emit_stub(name, methods):
    """CRTP base that implements every slot: reports to Derived::not_implemented and returns a safe value."""
    lines = ["template <class Derived>", "class CsStub%s : public %s" % (name, name), "{", "public:"]
    for m in sorted(methods, key=lambda m: m["slot"]):
        params = ", ".join(param_decl(t, n, None) for t, n in zip(m["params_sdk"], m["param_names"]))
        unused = "".join(" (void)%s;" % n for n in m["param_names"])
        const = " const" if m["const"] else ""
        ret = m["ret_sdk"]
        if ret == "VOID":
            result = ""
        elif ret == "HRESULT":
            result = " return E_NOTIMPL;"
        else:
            result = " return {};"
        lines.append("    %s %s(%s)%s override {%s static_cast<const Derived*>(this)->not_implemented(\"%s::%s\");%s }"
                     % (ret, m["name"], params, const, unused, m["declared_in"], m["name"], result))
    lines.append("};")
    return "\n".join(lines)


def topo_order(table):
    done, order = set(), []

    def visit(name):
        if name in done:
            return
        for b in bases_of(name, table[name])[:-1]:
            visit(b)
        done.add(name)
        order.append(name)

    for name in sorted(table):
        visit(name)
    return order


def guid_initializer(text):
    p = text.split("-")
    tail = p[3] + p[4]
    bytes_ = ", ".join("0x" + tail[i:i + 2] for i in range(0, 16, 2))
    return "{0x%s, 0x%s, 0x%s, {%s}}" % (p[0], p[1], p[2], bytes_)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="\n") as f:
        f.write(text)
    print("wrote", os.path.relpath(path, ROOT))


def main():
    table_path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_TABLE
    with open(table_path) as f:
        table = json.load(f)
    order = topo_order(table)

    body = [HEADER_NOTE, "#pragma once", "// Included by httpserv_compat.h after the types and constants.", ""]
    body += ["class %s;" % n for n in order]
    body.append("")
    for name in order:
        body.append(emit_class(name, table[name]))
        body.append("")
    write(os.path.join(OUT, "httpserv_interfaces.h"), "\n".join(body))

    iids = [HEADER_NOTE, "#pragma once", "// cs_iid<T>(): stands in for MSVC's __uuidof(T).", "",
            "template <class T> const GUID& cs_iid();", ""]
    for name in order:
        if name in IIDS:
            iids.append("template <> inline const GUID& cs_iid<%s>() { static const GUID g = %s; return g; }"
                        % (name, guid_initializer(IIDS[name])))
    iids.append("")
    write(os.path.join(OUT, "httpserv_iids.h"), "\n".join(iids))

    stubs = [HEADER_NOTE, "#pragma once",
             "// CsStubIFoo<Derived>: implements every slot of IFoo; each calls",
             "// static_cast<const Derived*>(this)->not_implemented(\"IFoo::Method\") and returns E_NOTIMPL,",
             "// a null pointer, 0 or nothing. Derive, then override what you implement (test fakes, the host).",
             "#include \"httpserv_compat.h\"", ""]
    for name in order:
        if name in DEFAULT_RESULT:
            continue
        stubs.append(emit_stub(name, table[name]))
        stubs.append("")
    write(os.path.join(OUT, "httpserv_stubs.h"), "\n".join(stubs))

    slots = {name: [{"slot": m["slot"], "name": m["name"], "params": m["params_sdk"], "const": m["const"]}
                    for m in sorted(table[name], key=lambda m: m["slot"])] for name in order}
    write(os.path.join(OUT, "vtable_slots.json"),
          json.dumps({"source": "iis-vtable-msvc.json (MSVC x64 slot order)", "interfaces": slots}, indent=1) + "\n")

    inc = [HEADER_NOTE.replace("// ", "// ", 1),
           "// CS_OWN_SLOT(Class, slot, \"Name\", pointer): every method a class declares itself.", ""]
    for name in order:
        for m in own_methods(name, table[name]):
            if m["name"].startswith("~"):
                continue
            types = ", ".join(re.sub(r"\s*\[.*\]$", " *", t) for t in m["params_sdk"])
            ptr = "static_cast<%s (%s::*)(%s)%s>(&%s::%s)" % (
                m["ret_sdk"], name, types, " const" if m["const"] else "", name, m["name"])
            inc.append('CS_OWN_SLOT(%s, %d, "%s", %s)' % (name, m["slot"], m["name"], ptr))
    inc.append("")
    write(os.path.join(OUT, "tests", "own_slots.inc"), "\n".join(inc))


if __name__ == "__main__":
    main()
