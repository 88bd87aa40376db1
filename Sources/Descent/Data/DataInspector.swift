import DescentEngine

/// Reads what the checks of an experiment need to know about its data files and the weight
/// files runs start from (`model.init_from`), each file once per load however many runs of a
/// sweep share it.
struct DataInspector: Sendable {
  private var headers: [DataFile: Result<[String], Diagnostics>] = [:]
  private var shapes: [DataSource: Result<DataShape, Diagnostics>] = [:]
  private var weights: [String: Result<SafetensorsHeader, SafetensorsError>] = [:]

  /// The header of the safetensors file at the absolute path `path`.
  mutating func safetensorsHeader(at path: String) -> Result<SafetensorsHeader, SafetensorsError> {
    if let known = weights[path] { return known }
    let result: Result<SafetensorsHeader, SafetensorsError>
    do throws(SafetensorsError) {
      result = .success(try SafetensorsHeader.read(path: path))
    } catch {
      result = .failure(error)
    }
    weights[path] = result
    return result
  }

  /// The column names in the header of a CSV file.
  mutating func header(of file: DataFile) -> Result<[String], Diagnostics> {
    if let known = headers[file] { return known }
    let result: Result<[String], Diagnostics>
    do throws(Diagnostics) {
      result = .success(try CSVDatasetReader.header(of: file))
    } catch {
      result = .failure(error)
    }
    headers[file] = result
    return result
  }

  /// The shape of a source's data (see `DataSource.inspect()`).
  mutating func shape(of source: DataSource) -> Result<DataShape, Diagnostics> {
    if let known = shapes[source] { return known }
    let result: Result<DataShape, Diagnostics>
    do throws(Diagnostics) {
      result = .success(try source.inspect())
    } catch {
      result = .failure(error)
    }
    shapes[source] = result
    return result
  }
}
