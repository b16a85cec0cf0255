// @ts-nocheck: generated code; the exports carry the types.
// Written by packages/contract/scripts/emit-schemas.ts from the TypeBox schemas (TypeCompiler.Code). Do not edit.
import type { ModelCatalog } from '../schema/catalog.js';
import type { DeviceProfile } from '../schema/device.js';
import type { InferenceRequest, InferenceResponse } from '../schema/oip.js';
import type { RoutingPolicy } from '../schema/policy.js';

export const isModelCatalog: (value: unknown) => value is ModelCatalog = /* @__PURE__ */ (() => {
const local_0 = /^(.*)$/
const local_1 = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const local_2 = /^\d+(\.\d+){0,2}([-+][0-9A-Za-z.-]+)?$/;
const local_3 = /^[^/\\][^\\]*$/;
const local_4 = /^[0-9a-f]{64}$/;
const local_5 = /^[A-Za-z_][A-Za-z0-9_]*$/;
const local_6 = /^[A-Za-z_][A-Za-z0-9_]*$/;
const local_7 = /^(.*)$/
const local_8 = /^[A-Za-z_][A-Za-z0-9_]*$/
const local_9 = /^(.*)$/
const local_10 = /^[a-z0-9][a-z0-9-]{0,31}$/;
const local_11 = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const local_12 = /^[a-z0-9][a-z0-9._-]{0,63}$/;
function check_ModelCatalog(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    Number.isInteger(value['catalogVersion']) &&
    value['catalogVersion'] >= 1 &&
    check_RoutingThresholds(value['thresholds']) &&
    (value['policy'] !== undefined ? (check_RoutingPolicy(value['policy'])) : true) &&
    Array.isArray(value['models']) &&
    ((array) => { for(const value of array) if(!((check_ModelManifest(value)))) { return false }; return true; })(value['models']) &&
    Object.getOwnPropertyNames(value).every(key => ['catalogVersion', 'thresholds', 'policy', 'models'].includes(key))
  )
}
function check_RoutingThresholds(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    Number.isInteger(value['maxLocalModelBytes']) &&
    value['maxLocalModelBytes'] >= 0 &&
    Number.isFinite(value['minDeviceGflops']) &&
    value['minDeviceGflops'] >= 0 &&
    Number.isFinite(value['latencyBudgetMs']) &&
    value['latencyBudgetMs'] > 0 &&
    (((value['privacy'] === 'any')) || ((value['privacy'] === 'local-only')) || ((value['privacy'] === 'no-raw-input'))) &&
    check_RoutingMode(value['mode']) &&
    Object.getOwnPropertyNames(value).length === 5
  )
}
function check_RoutingMode(value) {
  return (
    (((value === 'auto')) || ((value === 'prefer-local')) || ((value === 'prefer-cloud')) || ((value === 'local-only')) || ((value === 'cloud-only')))
  )
}
function check_RoutingPolicy(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    (value['maxLocalModelBytes'] !== undefined ? (Number.isInteger(value['maxLocalModelBytes']) && value['maxLocalModelBytes'] >= 0) : true) &&
    (value['minDeviceGflops'] !== undefined ? (Number.isFinite(value['minDeviceGflops']) && value['minDeviceGflops'] >= 0) : true) &&
    (value['latencyBudgetMs'] !== undefined ? (Number.isFinite(value['latencyBudgetMs']) && value['latencyBudgetMs'] > 0) : true) &&
    (value['privacy'] !== undefined ? ((((value['privacy'] === 'any')) || ((value['privacy'] === 'local-only')) || ((value['privacy'] === 'no-raw-input')))) : true) &&
    (value['mode'] !== undefined ? (check_RoutingMode(value['mode'])) : true) &&
    (value['models'] !== undefined ? ((typeof value['models'] === 'object' && value['models'] !== null && !Array.isArray(value['models']) && !(value['models'] instanceof Date) && !(value['models'] instanceof Uint8Array)) && (Object.entries(value['models']).every(([key, value]) => (local_0.test(key) ? ((typeof value === 'object' && value !== null && !Array.isArray(value)) && (value['maxLocalModelBytes'] !== undefined ? (Number.isInteger(value['maxLocalModelBytes']) && value['maxLocalModelBytes'] >= 0) : true) && (value['minDeviceGflops'] !== undefined ? (Number.isFinite(value['minDeviceGflops']) && value['minDeviceGflops'] >= 0) : true) && (value['latencyBudgetMs'] !== undefined ? (Number.isFinite(value['latencyBudgetMs']) && value['latencyBudgetMs'] > 0) : true) && (value['privacy'] !== undefined ? ((((value['privacy'] === 'any')) || ((value['privacy'] === 'local-only')) || ((value['privacy'] === 'no-raw-input')))) : true) && (value['mode'] !== undefined ? (check_RoutingMode(value['mode'])) : true) && Object.getOwnPropertyNames(value).every(key => ['maxLocalModelBytes', 'minDeviceGflops', 'latencyBudgetMs', 'privacy', 'mode'].includes(key))) : true)))) : true) &&
    Object.getOwnPropertyNames(value).every(key => ['maxLocalModelBytes', 'minDeviceGflops', 'latencyBudgetMs', 'privacy', 'mode', 'models'].includes(key))
  )
}
function check_ModelManifest(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    (typeof value['id'] === 'string') &&
    local_1.test(value['id']) &&
    (typeof value['version'] === 'string') &&
    local_2.test(value['version']) &&
    (typeof value['task'] === 'string') &&
    value['task'].length >= 1 &&
    (((value['format'] === 'onnx')) || ((value['format'] === 'tfjs'))) &&
    (value['description'] !== undefined ? ((typeof value['description'] === 'string')) : true) &&
    (value['source'] !== undefined ? ((typeof value['source'] === 'object' && value['source'] !== null && !Array.isArray(value['source'])) && (typeof value['source']['origin'] === 'string') && (typeof value['source']['license'] === 'string') && Object.getOwnPropertyNames(value['source']).length === 2) : true) &&
    Array.isArray(value['files']) &&
    value['files'].length >= 1 &&
    ((array) => { for(const value of array) if(!((check_ModelFile(value)))) { return false }; return true; })(value['files']) &&
    Array.isArray(value['inputs']) &&
    value['inputs'].length >= 1 &&
    ((array) => { for(const value of array) if(!((check_TensorSpec(value)))) { return false }; return true; })(value['inputs']) &&
    Array.isArray(value['outputs']) &&
    value['outputs'].length >= 1 &&
    ((array) => { for(const value of array) if(!((check_TensorSpec(value)))) { return false }; return true; })(value['outputs']) &&
    (value['batchDim'] !== undefined ? ((typeof value['batchDim'] === 'string') && local_6.test(value['batchDim'])) : true) &&
    (value['dimBounds'] !== undefined ? ((typeof value['dimBounds'] === 'object' && value['dimBounds'] !== null && !Array.isArray(value['dimBounds']) && !(value['dimBounds'] instanceof Date) && !(value['dimBounds'] instanceof Uint8Array)) && (Object.entries(value['dimBounds']).every(([key, value]) => (local_7.test(key) ? ((typeof value === 'object' && value !== null && !Array.isArray(value)) && Number.isInteger(value['min']) && value['min'] >= 1 && Number.isInteger(value['max']) && value['max'] >= 1 && Object.getOwnPropertyNames(value).length === 2) : true)))) : true) &&
    check_CostProfile(value['cost']) &&
    (value['variants'] !== undefined ? (Array.isArray(value['variants']) && ((array) => { for(const value of array) if(!((check_ModelVariant(value)))) { return false }; return true; })(value['variants'])) : true) &&
    (value['cutPoints'] !== undefined ? (Array.isArray(value['cutPoints']) && ((array) => { for(const value of array) if(!((check_CutPoint(value)))) { return false }; return true; })(value['cutPoints'])) : true) &&
    (value['labels'] !== undefined ? (Array.isArray(value['labels']) && ((array) => { for(const value of array) if(!(((typeof value === 'string')))) { return false }; return true; })(value['labels'])) : true) &&
    (value['tailOf'] !== undefined ? ((typeof value['tailOf'] === 'object' && value['tailOf'] !== null && !Array.isArray(value['tailOf'])) && (typeof value['tailOf']['model'] === 'string') && local_12.test(value['tailOf']['model']) && (typeof value['tailOf']['cut'] === 'string') && value['tailOf']['cut'].length >= 1 && (((value['tailOf']['encoding'] === 'fp32')) || ((value['tailOf']['encoding'] === 'fp16')) || ((value['tailOf']['encoding'] === 'uint8'))) && Object.getOwnPropertyNames(value['tailOf']).length === 3) : true) &&
    (value['onDemand'] !== undefined ? ((typeof value['onDemand'] === 'boolean')) : true) &&
    Object.getOwnPropertyNames(value).every(key => ['id', 'version', 'task', 'format', 'description', 'source', 'files', 'inputs', 'outputs', 'batchDim', 'dimBounds', 'cost', 'variants', 'cutPoints', 'labels', 'tailOf', 'onDemand'].includes(key))
  )
}
function check_ModelFile(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    (typeof value['path'] === 'string') &&
    value['path'].length >= 1 &&
    local_3.test(value['path']) &&
    Number.isInteger(value['bytes']) &&
    value['bytes'] >= 1 &&
    (typeof value['sha256'] === 'string') &&
    local_4.test(value['sha256']) &&
    (value['role'] !== undefined ? ((((value['role'] === 'model')) || ((value['role'] === 'weights')) || ((value['role'] === 'aux')))) : true) &&
    Object.getOwnPropertyNames(value).every(key => ['path', 'bytes', 'sha256', 'role'].includes(key))
  )
}
function check_TensorSpec(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    (typeof value['name'] === 'string') &&
    value['name'].length >= 1 &&
    check_Datatype(value['datatype']) &&
    Array.isArray(value['shape']) &&
    ((array) => { for(const value of array) if(!((((Number.isInteger(value) && value >= 1) || ((typeof value === 'string') && local_5.test(value)))))) { return false }; return true; })(value['shape']) &&
    (value['description'] !== undefined ? ((typeof value['description'] === 'string')) : true) &&
    (value['range'] !== undefined ? ((typeof value['range'] === 'object' && value['range'] !== null && !Array.isArray(value['range'])) && Number.isFinite(value['range']['min']) && Number.isFinite(value['range']['max']) && Object.getOwnPropertyNames(value['range']).length === 2) : true) &&
    Object.getOwnPropertyNames(value).every(key => ['name', 'datatype', 'shape', 'description', 'range'].includes(key))
  )
}
function check_Datatype(value) {
  return (
    (((value === 'BOOL')) || ((value === 'UINT8')) || ((value === 'UINT16')) || ((value === 'UINT32')) || ((value === 'UINT64')) || ((value === 'INT8')) || ((value === 'INT16')) || ((value === 'INT32')) || ((value === 'INT64')) || ((value === 'FP16')) || ((value === 'FP32')) || ((value === 'FP64')) || ((value === 'BYTES')))
  )
}
function check_CostProfile(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    Array.isArray(value['flops']) &&
    value['flops'].length >= 1 &&
    ((array) => { for(const value of array) if(!((check_CostTerm(value)))) { return false }; return true; })(value['flops']) &&
    Number.isInteger(value['parameterBytes']) &&
    value['parameterBytes'] >= 0 &&
    Array.isArray(value['activationBytes']) &&
    ((array) => { for(const value of array) if(!((check_CostTerm(value)))) { return false }; return true; })(value['activationBytes']) &&
    (value['measuredAt'] !== undefined ? (Array.isArray(value['measuredAt']) && ((array) => { for(const value of array) if(!(((typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array)) && (Object.entries(value).every(([key, value]) => (local_9.test(key) ? (Number.isInteger(value) && value >= 1) : true)))))) { return false }; return true; })(value['measuredAt'])) : true) &&
    Object.getOwnPropertyNames(value).every(key => ['flops', 'parameterBytes', 'activationBytes', 'measuredAt'].includes(key))
  )
}
function check_CostTerm(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    Number.isFinite(value['coefficient']) &&
    value['coefficient'] >= 0 &&
    (typeof value['dims'] === 'object' && value['dims'] !== null && !Array.isArray(value['dims']) && !(value['dims'] instanceof Date) && !(value['dims'] instanceof Uint8Array)) &&
    (Object.entries(value['dims']).every(([key, value]) => (local_8.test(key) ? (Number.isInteger(value) && value <= 4 && value >= 1) : true))) &&
    Object.getOwnPropertyNames(value).length === 2
  )
}
function check_ModelVariant(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    (typeof value['name'] === 'string') &&
    value['name'].length >= 1 &&
    (((value['precision'] === 'fp32')) || ((value['precision'] === 'fp16')) || ((value['precision'] === 'int8')) || ((value['precision'] === 'uint8'))) &&
    Array.isArray(value['files']) &&
    value['files'].length >= 1 &&
    ((array) => { for(const value of array) if(!((check_ModelFile(value)))) { return false }; return true; })(value['files']) &&
    (value['requires'] !== undefined ? (Array.isArray(value['requires']) && ((array) => { for(const value of array) if(!(((typeof value === 'string')))) { return false }; return true; })(value['requires'])) : true) &&
    Object.getOwnPropertyNames(value).every(key => ['name', 'precision', 'files', 'requires'].includes(key))
  )
}
function check_CutPoint(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    (typeof value['name'] === 'string') &&
    local_10.test(value['name']) &&
    Array.isArray(value['tensors']) &&
    value['tensors'].length >= 1 &&
    ((array) => { for(const value of array) if(!((check_TensorSpec(value)))) { return false }; return true; })(value['tensors']) &&
    Array.isArray(value['activationBytes']) &&
    ((array) => { for(const value of array) if(!((check_CostTerm(value)))) { return false }; return true; })(value['activationBytes']) &&
    Array.isArray(value['flopsBefore']) &&
    ((array) => { for(const value of array) if(!((check_CostTerm(value)))) { return false }; return true; })(value['flopsBefore']) &&
    Array.isArray(value['flopsAfter']) &&
    ((array) => { for(const value of array) if(!((check_CostTerm(value)))) { return false }; return true; })(value['flopsAfter']) &&
    check_ModelFile(value['head']) &&
    (value['headMemory'] !== undefined ? ((typeof value['headMemory'] === 'object' && value['headMemory'] !== null && !Array.isArray(value['headMemory'])) && Number.isInteger(value['headMemory']['parameterBytes']) && value['headMemory']['parameterBytes'] >= 0 && Array.isArray(value['headMemory']['activationBytes']) && ((array) => { for(const value of array) if(!((check_CostTerm(value)))) { return false }; return true; })(value['headMemory']['activationBytes']) && Object.getOwnPropertyNames(value['headMemory']).length === 2) : true) &&
    Array.isArray(value['encodings']) &&
    value['encodings'].length >= 1 &&
    ((array) => { for(const value of array) if(!((check_CutEncodingInfo(value)))) { return false }; return true; })(value['encodings']) &&
    Object.getOwnPropertyNames(value).every(key => ['name', 'tensors', 'activationBytes', 'flopsBefore', 'flopsAfter', 'head', 'headMemory', 'encodings'].includes(key))
  )
}
function check_CutEncodingInfo(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    (((value['encoding'] === 'fp32')) || ((value['encoding'] === 'fp16')) || ((value['encoding'] === 'uint8'))) &&
    (typeof value['allowed'] === 'boolean') &&
    (value['tail'] !== undefined ? ((typeof value['tail'] === 'string') && local_11.test(value['tail'])) : true) &&
    (value['top1Agreement'] !== undefined ? (Number.isFinite(value['top1Agreement']) && value['top1Agreement'] <= 1 && value['top1Agreement'] >= 0) : true) &&
    Number.isFinite(value['maxAbsError']) &&
    value['maxAbsError'] >= 0 &&
    Number.isFinite(value['outputScale']) &&
    value['outputScale'] >= 0 &&
    Number.isInteger(value['samples']) &&
    value['samples'] >= 1 &&
    Object.getOwnPropertyNames(value).every(key => ['encoding', 'allowed', 'tail', 'top1Agreement', 'maxAbsError', 'outputScale', 'samples'].includes(key))
  )
}
return function check(value) {
  return check_ModelCatalog(value)
}
})();

export const isRoutingPolicy: (value: unknown) => value is RoutingPolicy = /* @__PURE__ */ (() => {
const local_0 = /^(.*)$/
function check_RoutingPolicy(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    (value['maxLocalModelBytes'] !== undefined ? (Number.isInteger(value['maxLocalModelBytes']) && value['maxLocalModelBytes'] >= 0) : true) &&
    (value['minDeviceGflops'] !== undefined ? (Number.isFinite(value['minDeviceGflops']) && value['minDeviceGflops'] >= 0) : true) &&
    (value['latencyBudgetMs'] !== undefined ? (Number.isFinite(value['latencyBudgetMs']) && value['latencyBudgetMs'] > 0) : true) &&
    (value['privacy'] !== undefined ? ((((value['privacy'] === 'any')) || ((value['privacy'] === 'local-only')) || ((value['privacy'] === 'no-raw-input')))) : true) &&
    (value['mode'] !== undefined ? (check_RoutingMode(value['mode'])) : true) &&
    (value['models'] !== undefined ? ((typeof value['models'] === 'object' && value['models'] !== null && !Array.isArray(value['models']) && !(value['models'] instanceof Date) && !(value['models'] instanceof Uint8Array)) && (Object.entries(value['models']).every(([key, value]) => (local_0.test(key) ? ((typeof value === 'object' && value !== null && !Array.isArray(value)) && (value['maxLocalModelBytes'] !== undefined ? (Number.isInteger(value['maxLocalModelBytes']) && value['maxLocalModelBytes'] >= 0) : true) && (value['minDeviceGflops'] !== undefined ? (Number.isFinite(value['minDeviceGflops']) && value['minDeviceGflops'] >= 0) : true) && (value['latencyBudgetMs'] !== undefined ? (Number.isFinite(value['latencyBudgetMs']) && value['latencyBudgetMs'] > 0) : true) && (value['privacy'] !== undefined ? ((((value['privacy'] === 'any')) || ((value['privacy'] === 'local-only')) || ((value['privacy'] === 'no-raw-input')))) : true) && (value['mode'] !== undefined ? (check_RoutingMode(value['mode'])) : true) && Object.getOwnPropertyNames(value).every(key => ['maxLocalModelBytes', 'minDeviceGflops', 'latencyBudgetMs', 'privacy', 'mode'].includes(key))) : true)))) : true) &&
    Object.getOwnPropertyNames(value).every(key => ['maxLocalModelBytes', 'minDeviceGflops', 'latencyBudgetMs', 'privacy', 'mode', 'models'].includes(key))
  )
}
function check_RoutingMode(value) {
  return (
    (((value === 'auto')) || ((value === 'prefer-local')) || ((value === 'prefer-cloud')) || ((value === 'local-only')) || ((value === 'cloud-only')))
  )
}
return function check(value) {
  return check_RoutingPolicy(value)
}
})();

export const isDeviceProfile: (value: unknown) => value is DeviceProfile = /* @__PURE__ */ (() => {
function check_DeviceProfile(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    Number.isFinite(value['probedAt']) &&
    value['probedAt'] >= 0 &&
    (value['userAgent'] !== undefined ? ((typeof value['userAgent'] === 'string')) : true) &&
    (typeof value['webgpu'] === 'object' && value['webgpu'] !== null && !Array.isArray(value['webgpu'])) &&
    (typeof value['webgpu']['available'] === 'boolean') &&
    (value['webgpu']['vendor'] !== undefined ? ((typeof value['webgpu']['vendor'] === 'string')) : true) &&
    (value['webgpu']['architecture'] !== undefined ? ((typeof value['webgpu']['architecture'] === 'string')) : true) &&
    (value['webgpu']['isFallbackAdapter'] !== undefined ? ((typeof value['webgpu']['isFallbackAdapter'] === 'boolean')) : true) &&
    (value['webgpu']['shaderF16'] !== undefined ? ((typeof value['webgpu']['shaderF16'] === 'boolean')) : true) &&
    (value['webgpu']['maxBufferSize'] !== undefined ? (Number.isFinite(value['webgpu']['maxBufferSize']) && value['webgpu']['maxBufferSize'] >= 0) : true) &&
    (value['webgpu']['maxStorageBufferBindingSize'] !== undefined ? (Number.isFinite(value['webgpu']['maxStorageBufferBindingSize']) && value['webgpu']['maxStorageBufferBindingSize'] >= 0) : true) &&
    (value['webgpu']['reason'] !== undefined ? ((typeof value['webgpu']['reason'] === 'string')) : true) &&
    Object.getOwnPropertyNames(value['webgpu']).every(key => ['available', 'vendor', 'architecture', 'isFallbackAdapter', 'shaderF16', 'maxBufferSize', 'maxStorageBufferBindingSize', 'reason'].includes(key)) &&
    (typeof value['wasm'] === 'object' && value['wasm'] !== null && !Array.isArray(value['wasm'])) &&
    (typeof value['wasm']['available'] === 'boolean') &&
    (((typeof value['wasm']['simd'] === 'boolean')) || ((value['wasm']['simd'] === 'unknown'))) &&
    (((typeof value['wasm']['threads'] === 'boolean')) || ((value['wasm']['threads'] === 'unknown'))) &&
    Object.getOwnPropertyNames(value['wasm']).length === 3 &&
    (((typeof value['crossOriginIsolated'] === 'boolean')) || ((value['crossOriginIsolated'] === 'unknown'))) &&
    ((Number.isInteger(value['hardwareConcurrency']) && value['hardwareConcurrency'] >= 1) || ((value['hardwareConcurrency'] === 'unknown'))) &&
    ((Number.isFinite(value['deviceMemoryGb']) && value['deviceMemoryGb'] >= 0) || ((value['deviceMemoryGb'] === 'unknown'))) &&
    (typeof value['network'] === 'object' && value['network'] !== null && !Array.isArray(value['network'])) &&
    (((typeof value['network']['online'] === 'boolean')) || ((value['network']['online'] === 'unknown'))) &&
    (((typeof value['network']['effectiveType'] === 'string')) || ((value['network']['effectiveType'] === 'unknown'))) &&
    ((Number.isFinite(value['network']['rttMs']) && value['network']['rttMs'] >= 0) || ((value['network']['rttMs'] === 'unknown'))) &&
    ((Number.isFinite(value['network']['downlinkMbps']) && value['network']['downlinkMbps'] >= 0) || ((value['network']['downlinkMbps'] === 'unknown'))) &&
    (((typeof value['network']['saveData'] === 'boolean')) || ((value['network']['saveData'] === 'unknown'))) &&
    Object.getOwnPropertyNames(value['network']).length === 5 &&
    ((Number.isFinite(value['gflops']) && value['gflops'] >= 0) || ((value['gflops'] === 'unknown'))) &&
    Number.isFinite(value['probeMs']) &&
    value['probeMs'] >= 0 &&
    Object.getOwnPropertyNames(value).every(key => ['probedAt', 'userAgent', 'webgpu', 'wasm', 'crossOriginIsolated', 'hardwareConcurrency', 'deviceMemoryGb', 'network', 'gflops', 'probeMs'].includes(key))
  )
}
return function check(value) {
  return check_DeviceProfile(value)
}
})();

export const isInferenceRequest: (value: unknown) => value is InferenceRequest = /* @__PURE__ */ (() => {
const local_0 = /^(.*)$/
function check_OipInferenceRequest(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    (value['id'] !== undefined ? ((typeof value['id'] === 'string')) : true) &&
    (value['parameters'] !== undefined ? (check_OipParameters(value['parameters'])) : true) &&
    Array.isArray(value['inputs']) &&
    ((array) => { for(const value of array) if(!((check_OipRequestInput(value)))) { return false }; return true; })(value['inputs']) &&
    (value['outputs'] !== undefined ? (Array.isArray(value['outputs']) && ((array) => { for(const value of array) if(!((check_OipRequestOutput(value)))) { return false }; return true; })(value['outputs'])) : true)
  )
}
function check_OipParameters(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array)) &&
    (Object.entries(value).every(([key, value]) => (local_0.test(key) ? (true) : true)))
  )
}
function check_OipRequestInput(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    (typeof value['name'] === 'string') &&
    Array.isArray(value['shape']) &&
    ((array) => { for(const value of array) if(!((Number.isInteger(value) && value >= 0))) { return false }; return true; })(value['shape']) &&
    (typeof value['datatype'] === 'string') &&
    (value['parameters'] !== undefined ? (check_OipParameters(value['parameters'])) : true) &&
    (value['data'] !== undefined ? (check_OipTensorData(value['data'])) : true)
  )
}
function check_OipTensorData(value) {
  return (
    Array.isArray(value) &&
    ((array) => { for(const value of array) if(!((((((Number.isFinite(value)) || ((typeof value === 'string')) || ((typeof value === 'boolean')))) || (Array.isArray(value) && ((array) => { for(const value of array) if(!((true))) { return false }; return true; })(value)))))) { return false }; return true; })(value)
  )
}
function check_OipRequestOutput(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    (typeof value['name'] === 'string') &&
    (value['parameters'] !== undefined ? (check_OipParameters(value['parameters'])) : true)
  )
}
return function check(value) {
  return check_OipInferenceRequest(value)
}
})();

export const isInferenceResponse: (value: unknown) => value is InferenceResponse = /* @__PURE__ */ (() => {
const local_0 = /^(.*)$/
function check_OipInferenceResponse(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    (typeof value['model_name'] === 'string') &&
    (value['model_version'] !== undefined ? ((typeof value['model_version'] === 'string')) : true) &&
    (value['id'] !== undefined ? ((typeof value['id'] === 'string')) : true) &&
    (value['parameters'] !== undefined ? (check_OipParameters(value['parameters'])) : true) &&
    Array.isArray(value['outputs']) &&
    ((array) => { for(const value of array) if(!((check_OipResponseOutput(value)))) { return false }; return true; })(value['outputs'])
  )
}
function check_OipParameters(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array)) &&
    (Object.entries(value).every(([key, value]) => (local_0.test(key) ? (true) : true)))
  )
}
function check_OipResponseOutput(value) {
  return (
    (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
    (typeof value['name'] === 'string') &&
    Array.isArray(value['shape']) &&
    ((array) => { for(const value of array) if(!((Number.isInteger(value) && value >= 0))) { return false }; return true; })(value['shape']) &&
    (typeof value['datatype'] === 'string') &&
    (value['parameters'] !== undefined ? (check_OipParameters(value['parameters'])) : true) &&
    (value['data'] !== undefined ? (check_OipTensorData(value['data'])) : true)
  )
}
function check_OipTensorData(value) {
  return (
    Array.isArray(value) &&
    ((array) => { for(const value of array) if(!((((((Number.isFinite(value)) || ((typeof value === 'string')) || ((typeof value === 'boolean')))) || (Array.isArray(value) && ((array) => { for(const value of array) if(!((true))) { return false }; return true; })(value)))))) { return false }; return true; })(value)
  )
}
return function check(value) {
  return check_OipInferenceResponse(value)
}
})();
