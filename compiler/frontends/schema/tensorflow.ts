/**
 * The part of TensorFlow's public protobuf schema that a frozen GraphDef (`.pb`) uses, as .proto
 * text parsed by protobufjs on first use (no generated code to keep in step).
 *
 * Field numbers and enum values are TensorFlow's own, from tensorflow/tensorflow (Apache-2.0):
 *   tensorflow/core/framework/graph.proto         GraphDef
 *   tensorflow/core/framework/node_def.proto      NodeDef
 *   tensorflow/core/framework/attr_value.proto    AttrValue, AttrValue.ListValue, NameAttrList
 *   tensorflow/core/framework/tensor.proto        TensorProto
 *   tensorflow/core/framework/tensor_shape.proto  TensorShapeProto
 *   tensorflow/core/framework/types.proto         DataType
 *   tensorflow/core/framework/function.proto      FunctionDefLibrary, FunctionDef
 *   tensorflow/core/framework/op_def.proto        OpDef, OpDef.ArgDef (a function's signature)
 *   tensorflow/core/framework/versions.proto      VersionDef
 *   tensorflow/core/protobuf/saved_model.proto    SavedModel
 *   tensorflow/core/protobuf/meta_graph.proto     MetaGraphDef (only to recognise a SavedModel)
 * Fields edgecl never reads (debug info, full types, resource handles, gradients, OpDef.AttrDef,
 * …) are left out: protobuf decoders skip unknown fields, so leaving them out changes nothing.
 * Field names are protobufjs's camelCase of the .proto names, which is also proto3 JSON's form
 * (`tensor_shape` → `tensorShape`), the form TF.js model.json holds.
 */
import protobuf from 'protobufjs';

const TENSORFLOW_PROTO = `
syntax = "proto3";
package tensorflow;

enum DataType {
  DT_INVALID = 0;
  DT_FLOAT = 1;
  DT_DOUBLE = 2;
  DT_INT32 = 3;
  DT_UINT8 = 4;
  DT_INT16 = 5;
  DT_INT8 = 6;
  DT_STRING = 7;
  DT_COMPLEX64 = 8;
  DT_INT64 = 9;
  DT_BOOL = 10;
  DT_QINT8 = 11;
  DT_QUINT8 = 12;
  DT_QINT32 = 13;
  DT_BFLOAT16 = 14;
  DT_QINT16 = 15;
  DT_QUINT16 = 16;
  DT_UINT16 = 17;
  DT_COMPLEX128 = 18;
  DT_HALF = 19;
  DT_RESOURCE = 20;
  DT_VARIANT = 21;
  DT_UINT32 = 22;
  DT_UINT64 = 23;
  DT_FLOAT8_E5M2 = 24;
  DT_FLOAT8_E4M3FN = 25;
  DT_FLOAT_REF = 101;
  DT_DOUBLE_REF = 102;
  DT_INT32_REF = 103;
  DT_UINT8_REF = 104;
  DT_INT16_REF = 105;
  DT_INT8_REF = 106;
  DT_STRING_REF = 107;
  DT_COMPLEX64_REF = 108;
  DT_INT64_REF = 109;
  DT_BOOL_REF = 110;
  DT_QINT8_REF = 111;
  DT_QUINT8_REF = 112;
  DT_QINT32_REF = 113;
  DT_BFLOAT16_REF = 114;
  DT_QINT16_REF = 115;
  DT_QUINT16_REF = 116;
  DT_UINT16_REF = 117;
  DT_COMPLEX128_REF = 118;
  DT_HALF_REF = 119;
  DT_RESOURCE_REF = 120;
  DT_VARIANT_REF = 121;
  DT_UINT32_REF = 122;
  DT_UINT64_REF = 123;
}

message TensorShapeProto {
  message Dim {
    int64 size = 1;
    string name = 2;
  }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}

message TensorProto {
  DataType dtype = 1;
  TensorShapeProto tensor_shape = 2;
  int32 version_number = 3;
  bytes tensor_content = 4;
  repeated int32 half_val = 13 [packed = true];
  repeated float float_val = 5 [packed = true];
  repeated double double_val = 6 [packed = true];
  repeated int32 int_val = 7 [packed = true];
  repeated bytes string_val = 8;
  repeated float scomplex_val = 9 [packed = true];
  repeated int64 int64_val = 10 [packed = true];
  repeated bool bool_val = 11 [packed = true];
  repeated double dcomplex_val = 12 [packed = true];
  repeated uint32 uint32_val = 16 [packed = true];
  repeated uint64 uint64_val = 17 [packed = true];
}

message AttrValue {
  message ListValue {
    repeated bytes s = 2;
    repeated int64 i = 3 [packed = true];
    repeated float f = 4 [packed = true];
    repeated bool b = 5 [packed = true];
    repeated DataType type = 6 [packed = true];
    repeated TensorShapeProto shape = 7;
    repeated TensorProto tensor = 8;
    repeated NameAttrList func = 9;
  }
  oneof value {
    bytes s = 2;
    int64 i = 3;
    float f = 4;
    bool b = 5;
    DataType type = 6;
    TensorShapeProto shape = 7;
    TensorProto tensor = 8;
    ListValue list = 1;
    NameAttrList func = 10;
    string placeholder = 9;
  }
}

message NameAttrList {
  string name = 1;
  map<string, AttrValue> attr = 2;
}

message NodeDef {
  string name = 1;
  string op = 2;
  repeated string input = 3;
  string device = 4;
  map<string, AttrValue> attr = 5;
}

message VersionDef {
  int32 producer = 1;
  int32 min_consumer = 2;
  repeated int32 bad_consumers = 3;
}

message OpDef {
  message ArgDef {
    string name = 1;
    string description = 2;
    DataType type = 3;
    string type_attr = 4;
    string number_attr = 5;
    string type_list_attr = 6;
    bool is_ref = 16;
  }
  string name = 1;
  repeated ArgDef input_arg = 2;
  repeated ArgDef output_arg = 3;
  repeated string control_output = 20;
  string summary = 5;
  string description = 6;
  bool is_commutative = 18;
  bool is_aggregate = 16;
  bool is_stateful = 17;
  bool allows_uninitialized_input = 19;
}

message FunctionDef {
  OpDef signature = 1;
  map<string, AttrValue> attr = 5;
  repeated NodeDef node_def = 3;
  map<string, string> ret = 4;
  map<string, string> control_ret = 6;
}

message GradientDef {
  string function_name = 1;
  string gradient_func = 2;
}

message FunctionDefLibrary {
  repeated FunctionDef function = 1;
  repeated GradientDef gradient = 2;
}

message GraphDef {
  repeated NodeDef node = 1;
  VersionDef versions = 4;
  int32 version = 3 [deprecated = true];
  FunctionDefLibrary library = 2;
}

message MetaGraphDef {
  message MetaInfoDef {
    string meta_graph_version = 1;
    repeated string tags = 4;
    string tensorflow_version = 5;
    string tensorflow_git_version = 6;
  }
  MetaInfoDef meta_info_def = 1;
  GraphDef graph_def = 2;
}

message SavedModel {
  int64 saved_model_schema_version = 1;
  repeated MetaGraphDef meta_graphs = 2;
}
`;

export interface TensorflowSchema {
  readonly GraphDef: protobuf.Type;
  readonly NodeDef: protobuf.Type;
  readonly AttrValue: protobuf.Type;
  readonly TensorProto: protobuf.Type;
  readonly SavedModel: protobuf.Type;
  readonly DataType: protobuf.Enum;
}

let schema: TensorflowSchema | undefined;

/** The message types, parsed once. */
export function tensorflowSchema(): TensorflowSchema {
  if (!schema) {
    const root = protobuf.parse(TENSORFLOW_PROTO, { keepCase: false }).root;
    schema = {
      GraphDef: root.lookupType('tensorflow.GraphDef'),
      NodeDef: root.lookupType('tensorflow.NodeDef'),
      AttrValue: root.lookupType('tensorflow.AttrValue'),
      TensorProto: root.lookupType('tensorflow.TensorProto'),
      SavedModel: root.lookupType('tensorflow.SavedModel'),
      DataType: root.lookupEnum('tensorflow.DataType'),
    };
  }
  return schema;
}
